"""What happens when public content changes: the audit log entry, in the same transaction,
and the listeners (caching, translations, ...) once it has committed.

Every service that changes public content announces it here, so that every change is
audited the same way and nothing is announced for a write that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction

_listeners: list[tuple[Callable[[], None], bool]] = []


def on_published(
    listener: Callable[[], None], *, also_before_commit: bool = False
) -> Callable[[], None]:
    """Registers `listener` to run after every commit that changed public content.

    With `also_before_commit` it runs at the change as well: a cache invalidated both then and
    after the commit can never keep a copy rendered from the old data in between.
    """
    _listeners.append((listener, also_before_commit))
    return listener


def snapshot(obj: models.Model | None, fields: list[str] | None = None) -> dict | None:
    from ..notifications.services.audit import snapshot as take

    return take(obj, fields)


def stored(model: type[models.Model], pk) -> dict | None:
    """The snapshot of a row as the database has it (before a change is saved)."""
    return snapshot(model.objects.filter(pk=pk).first()) if pk else None


def published(
    action: str | None = None,
    target: models.Model | None = None,
    *,
    actor=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Announces a change to public content; with `action`, writes who did what to `target`
    (values before and after) to the audit log, inside the caller's transaction."""
    if action is not None:
        from ..notifications.services.audit import audit

        audit(actor, action, target, before, after)
    for listener, before_commit in _listeners:
        if before_commit:
            listener()
        transaction.on_commit(listener)
