"""Claimed delivery rows: who holds them and how each moves on.

A sender claims up to a batch of due rows with a conditional UPDATE stamped with its own claim
id, and every later change to a row is conditional on that claim: a row swept back to the
queue, or cancelled by "Stop sending", is no longer the sender's and is not written again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ..models import Delivery, DeliveryState, Notification, NotificationState, SubscriberState
from . import retry

if TYPE_CHECKING:
    from ..transports import SendResult, TransportError

STOP_CHECK_EVERY = 50  # messages between two looks at "stop sending" (and between batches)


def due(notification_id: int, now: datetime):
    return Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        notification_id=notification_id,
        state=DeliveryState.QUEUED,
    )


def claim_batch(notification_id: int, size: int) -> tuple[str, list[Delivery]]:
    """Claims up to `size` due rows for this caller alone; other senders get other rows."""
    now = timezone.now()
    ids = list(due(notification_id, now).order_by("pk").values_list("pk", flat=True)[:size])
    if not ids:
        return "", []
    claim = uuid.uuid4().hex
    Delivery.objects.filter(pk__in=ids, state=DeliveryState.QUEUED).update(
        state=DeliveryState.SENDING, claim=claim, claimed_at=now, attempts=F("attempts") + 1
    )
    rows = list(
        Delivery.objects.filter(
            notification_id=notification_id, state=DeliveryState.SENDING, claim=claim
        )
        .select_related("subscriber")
        .order_by("pk")
    )
    return claim, rows


def _ours(delivery: Delivery):
    return Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.SENDING, claim=delivery.claim
    )


def finish(delivery: Delivery, state: str, error: str = "", retry_at=None) -> bool:
    """Moves a claimed row on; False when it was no longer ours (swept, stopped)."""
    values = {"state": state, "error": error[:2000], "claim": ""}
    if state == DeliveryState.SENT:
        values["sent_at"] = timezone.now()
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    return bool(_ours(delivery).update(**values))


def retry_later(
    delivery: Delivery, error: str, result: SendResult, asked_wait: float | None = None
) -> None:
    """Puts a row back for a retry after the backoff, or after the pause the other side asked
    for when that is longer (see `retry.wait`); fails it after the last attempt."""
    if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        finish(delivery, DeliveryState.FAILED, error)
        result.failed += 1
        return
    retry_at = timezone.now() + retry.wait(delivery.attempts, asked_wait)
    finish(delivery, DeliveryState.QUEUED, error, retry_at)
    result.retried += 1
    result.retry_at = min(result.retry_at or retry_at, retry_at)


def record_error(
    delivery: Delivery, error: TransportError, result: SendResult, *, give_up: bool = False
) -> None:
    """Fails a row for good on a permanent error (or when `give_up`), else retries it later."""
    if error.permanent or give_up:
        finish(delivery, DeliveryState.FAILED, str(error))
        result.failed += 1
    else:
        retry_later(delivery, str(error), result, error.retry_after)


def mark_sent(sent: list[Delivery]) -> None:
    """Records accepted messages a few at a time (one UPDATE, not one per message), and empties
    `sent`. A worker killed in between resends at most these: the sweep puts rows still
    "sending" back in the queue."""
    if not sent:
        return
    by_claim: dict[str, list[int]] = {}
    for delivery in sent:
        by_claim.setdefault(delivery.claim, []).append(delivery.pk)
    now = timezone.now()
    for claim, ids in by_claim.items():
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.SENDING, claim=claim).update(
            state=DeliveryState.SENT, error="", claim="", sent_at=now
        )
    sent.clear()


def acknowledged(delivery: Delivery, posted: int) -> None:
    """Records that the first `posted` events of a row arrived: a retry starts after them."""
    _ours(delivery).update(posted=posted)


def keep_claimed(claim: str) -> None:
    """Keeps a claim's rows still in flight from looking abandoned to the sweep (which would
    hand them to another sender) while a slow batch goes on."""
    Delivery.objects.filter(claim=claim, state=DeliveryState.SENDING).update(
        claimed_at=timezone.now()
    )


def stopped(notification_id: int) -> bool:
    return not Notification.objects.filter(
        pk=notification_id, state=NotificationState.SENDING
    ).exists()


def cancel_rest(rows: list[Delivery], result: SendResult) -> None:
    for rest in rows:
        if finish(rest, DeliveryState.CANCELLED, "Stopped by staff."):
            result.cancelled += 1


def _cancel_if_inactive(delivery: Delivery, result: SendResult) -> bool:
    """Cancels a row whose subscriber left (or was disabled) after the audience was frozen."""
    subscriber = delivery.subscriber
    if subscriber.state == SubscriberState.ACTIVE:
        return False
    reason = (
        "Webhook disabled."
        if subscriber.state == SubscriberState.DISABLED
        else "Not subscribed any more."
    )
    if finish(delivery, DeliveryState.CANCELLED, reason):
        result.cancelled += 1
    return True


def to_send(notification_id: int, rows: list[Delivery], result: SendResult) -> Iterator[Delivery]:
    """The claimed rows to send, in order. Every STOP_CHECK_EVERY rows it looks whether staff
    stopped the notification, and if so cancels the rest and ends; rows whose subscriber left
    are cancelled, not yielded."""
    for index, delivery in enumerate(rows):
        if index and index % STOP_CHECK_EVERY == 0 and stopped(notification_id):
            cancel_rest(rows[index:], result)
            return
        if _cancel_if_inactive(delivery, result):
            continue
        yield delivery
