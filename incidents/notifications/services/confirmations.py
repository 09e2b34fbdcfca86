"""The double opt-in mail, sent by a task once the sign-up has committed."""

from __future__ import annotations

import smtplib

from django.core.mail import mailers
from django.utils import timezone

from ..emails import confirmation_message
from ..models import Subscriber, SubscriberState


def confirmation_send(subscriber_id: int, nonce: str) -> bool:
    """Sends the confirmation mail for `nonce` at most once; False when there is nothing to do.

    The row is claimed first (confirmation_sent_at set where it was empty), so a task run twice
    sends one mail. A failure to reach the server releases the claim and raises OSError, for
    the task to retry; a refusal of the address (5xx) is final.
    """
    claimed = Subscriber.objects.filter(
        pk=subscriber_id,
        state=SubscriberState.PENDING,
        confirm_nonce=nonce,
        confirmation_sent_at__isnull=True,
    ).update(confirmation_sent_at=timezone.now())
    if not claimed or not nonce:
        return False
    subscriber = Subscriber.objects.get(pk=subscriber_id)
    try:
        with mailers.default as connection:
            connection.send_messages([confirmation_message(subscriber)])
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            return False
        _release(subscriber_id, nonce)
        raise OSError(str(error)) from error
    except smtplib.SMTPRecipientsRefused:
        return False
    except OSError:
        _release(subscriber_id, nonce)
        raise
    return True


def _release(subscriber_id: int, nonce: str) -> None:
    Subscriber.objects.filter(pk=subscriber_id, confirm_nonce=nonce).update(
        confirmation_sent_at=None
    )
