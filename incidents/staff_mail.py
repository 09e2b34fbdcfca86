"""Warnings mailed to staff by the scheduler (an overdue update, a silent monitor): plain
text in the site's language, each claimed in the database before it is sent so it goes out
once, and one failure never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, mailers

logger = logging.getLogger(__name__)


def staff_message(subject: str, lines: list[str], recipients: list[str]) -> EmailMessage:
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )


def send(message: EmailMessage) -> None:
    """Sends now; a failure raises (the caller's claim is rolled back, the next run retries)."""
    with mailers.default as connection:
        connection.send_messages([message])


def each[T](ids: Iterable[int], warn: Callable[[int], T | None], what: str) -> list[T]:
    """`warn(id)` for each id; answers what they warned of. One that fails is logged as
    "the `what` of <id> failed" and the others go on."""
    warned = []
    for pk in list(ids):
        try:
            found = warn(pk)
        except Exception:
            logger.exception("the %s of %s failed", what, pk)
            continue
        if found is not None:
            warned.append(found)
    return warned
