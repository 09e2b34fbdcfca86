"""The double opt-in mail, sent by a task once the sign-up has committed; and the welcome
mail, sent by a task once the confirmation has."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from django.core.mail import mailers
from django.utils import timezone

from ..emails import confirmation_message, welcome_message
from ..models import Subscriber, SubscriberMode, SubscriberState

logger = logging.getLogger(__name__)


def confirmation_send(subscriber_id: int, nonce: str) -> bool:
    """Sends the confirmation mail for `nonce` at most once; False when there is nothing to do.

    The row is claimed first (confirmation_sent_at set where it was empty), so a task run twice
    sends one mail. A failure to reach the server releases the claim and raises OSError, for
    the task to retry; a refusal of the address (5xx) is final.
    """
    if not nonce:
        return False
    row = Subscriber.objects.filter(
        pk=subscriber_id, state=SubscriberState.PENDING, confirm_nonce=nonce
    )
    return _send_claimed(row, "confirmation_sent_at", confirmation_message)


def welcome_send(subscriber_id: int, confirmed_at: str) -> bool:
    """Sends the welcome mail of the confirmation made at `confirmed_at` (ISO 8601), once;
    False when there is nothing to do.

    Only `subscriber_confirm` schedules it, after its commit, so a second confirmation of
    the same link (refused) schedules nothing. Nothing is sent when the subscriber left or
    confirmed again since. Claimed like the confirmation mail (welcome_sent_at), so a task
    run twice sends one mail.
    """
    row = Subscriber.objects.filter(
        pk=subscriber_id,
        state=SubscriberState.ACTIVE,
        mode=SubscriberMode.EMAIL,
        confirmed_at=datetime.fromisoformat(confirmed_at),
    )
    return _send_claimed(row, "welcome_sent_at", welcome_message)


def _send_claimed(row, claim: str, message) -> bool:
    """Claims the mail on the row (`claim` set where it was empty), then sends `message(row)`.

    False when the row is not there or the mail was claimed already, or when the server
    refuses the address (5xx, final). A failure to reach the server releases the claim and
    raises OSError, for the task to retry.
    """
    if not row.filter(**{f"{claim}__isnull": True}).update(**{claim: timezone.now()}):
        return False
    subscriber = row.get()
    try:
        with mailers.default as connection:
            connection.send_messages([message(subscriber)])
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            return False
        row.update(**{claim: None})
        raise OSError(str(error)) from error
    except smtplib.SMTPRecipientsRefused:
        return False
    except OSError:
        row.update(**{claim: None})
        raise
    return True
