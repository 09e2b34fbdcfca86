"""The send: freeze the audience into delivery rows, claim them in batches, send each once.

- Freezing claims the notification (queued → sending) with a conditional UPDATE and writes
  one row per recipient in the same transaction, so running it twice writes nothing twice.
- A sender claims up to a batch of due rows with a conditional UPDATE stamped with its own
  claim id (`claims`) and hands them to their transport (`..transports`): email over one SMTP
  connection, webhooks one POST per event. Each row is marked sent or failed as soon as the
  other side answered, and only by whoever claimed it, so a task run twice sends nothing twice.
- Transient errors (4xx, lost connections) put a row back with a backoff (`retry`); permanent
  ones (5xx for that address) fail it for good. A sweep puts back rows a killed worker left in
  flight. Webhook failures also count towards disabling the subscriber.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import Delivery, DeliveryState, Notification, NotificationState, SubscriberMode
from ..transports import SendResult, Transport
from ..transports.email import EmailTransport
from ..transports.webhook import WebhookTransport
from .audience import audience, summarize
from .claims import cancel_rest, claim_batch, due, stopped


def freeze_audience(notification_id: int) -> int | None:
    """Writes one delivery row per recipient and moves the notification to "sending".

    Returns the number of recipients, or None when the notification was not queued (already
    frozen, stopped, or sent back for approval because its audience grew past what was
    confirmed and the guard now asks for a manager).
    """
    with transaction.atomic():
        now = timezone.now()
        claimed = Notification.objects.filter(
            pk=notification_id, state=NotificationState.QUEUED
        ).update(state=NotificationState.SENDING, frozen_at=now)
        if not claimed:
            return None
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.incident_id is None:
            # The incident was deleted after the confirmation: there is nothing to tell.
            notification.state = NotificationState.CANCELLED
            notification.recipients = 0
            notification.save(update_fields=["state", "recipients"])
            return None
        summary = summarize(notification)
        if summary.needs_approval and (
            notification.approved_by_id is None or summary.total > notification.confirmed_count
        ):
            notification.state = NotificationState.AWAITING_APPROVAL
            notification.needs_approval = True
            notification.approval_reasons = summary.reasons
            notification.frozen_at = None
            notification.save(
                update_fields=["state", "needs_approval", "approval_reasons", "frozen_at"]
            )
            return None
        total = _insert_deliveries(notification)
        notification.recipients = total
        notification.save(update_fields=["recipients"])
        return total


def _insert_deliveries(notification: Notification) -> int:
    """Writes the rows straight from the audience query: one INSERT ... SELECT.

    The ids never travel through Python, so 100,000 recipients take a fraction of a second
    and no memory, where bulk_create would build 100,000 model instances. The SELECT is the
    audience query itself, compiled by the ORM; conflicts (a row already there) are skipped.
    """
    subscribers = audience(notification).order_by().values("pk")
    select_sql, params = subscribers.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(Delivery._meta.get_field(name).column)
        for name in ("notification", "subscriber", "state", "attempts", "claim", "error")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Delivery._meta.db_table)} ({columns}) "
            f"SELECT %s, audience.{quote('pk')}, %s, 0, '', '' FROM ({select_sql}) audience "
            # WHERE keeps SQLite from reading ON CONFLICT as a join condition.
            f"WHERE 1 = 1 ON CONFLICT DO NOTHING",
            [notification.pk, DeliveryState.QUEUED, *params],
        )
        return cursor.rowcount


def transports_for(notification: Notification) -> dict[str, Transport]:
    """One transport per subscriber mode, for every batch of one send."""
    return {
        SubscriberMode.EMAIL: EmailTransport(notification),
        SubscriberMode.WEBHOOK: WebhookTransport(notification),
    }


def send_batch(
    notification: Notification,
    rows: list[Delivery],
    result: SendResult,
    transports: dict[str, Transport] | None = None,
) -> None:
    """Sends claimed rows, webhooks first, then email unless staff stopped the notification
    meanwhile; each transport records each outcome at once."""
    transports = transports or transports_for(notification)
    hooks = [row for row in rows if row.subscriber.is_webhook]
    mails = [row for row in rows if not row.subscriber.is_webhook]
    if hooks:
        transports[SubscriberMode.WEBHOOK].notify(hooks, result)
        if mails and stopped(notification.pk):
            cancel_rest(mails, result)
            return
    if mails:
        transports[SubscriberMode.EMAIL].notify(mails, result)


def send_due(notification_id: int, *, batch_size: int | None = None) -> SendResult:
    """Sends every due delivery of a notification that is sending, batch after batch.

    Safe to run in several workers at once and to run again: each row is claimed once.
    Returns what happened and, when some rows wait for a retry, when the next one is due.
    """
    size = batch_size or settings.NOTIFY_BATCH_SIZE
    result = SendResult()
    notification = Notification.objects.select_related("incident", "update").get(pk=notification_id)
    transports = transports_for(notification)
    while notification.state == NotificationState.SENDING:
        _claim, rows = claim_batch(notification_id, size)
        if not rows:
            break
        send_batch(notification, rows, result, transports)
        notification.refresh_from_db(fields=["state"])
    finish_if_done(notification_id)
    if result.retry_at is None:
        result.retry_at = (
            Delivery.objects.filter(notification_id=notification_id, state=DeliveryState.QUEUED)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
    return result


def finish_if_done(notification_id: int) -> bool:
    """Marks a sending notification done once no row is queued or in flight."""
    open_rows = Delivery.objects.filter(
        notification_id=notification_id,
        state__in=[DeliveryState.QUEUED, DeliveryState.SENDING],
    )
    if open_rows.exists():
        return False
    return bool(
        Notification.objects.filter(pk=notification_id, state=NotificationState.SENDING).update(
            state=NotificationState.DONE, finished_at=timezone.now()
        )
    )


@dataclass
class SweepResult:
    requeued: int = 0
    to_start: list[int] = field(default_factory=list)
    to_send: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)


def sweep(now: datetime | None = None) -> SweepResult:
    """Puts back rows left in flight by a dead worker and finds the work nobody is doing.

    Returns the notifications whose freezing should be (re)started and those with due rows,
    for the caller to enqueue; enqueuing work that is already running is harmless.
    """
    now = now or timezone.now()
    result = SweepResult()
    cutoff = now - timedelta(seconds=settings.NOTIFY_STUCK_AFTER)
    result.requeued = Delivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lt=cutoff
    ).update(state=DeliveryState.QUEUED, claim="", error="Put back after the worker was lost.")
    result.to_start = list(
        Notification.objects.filter(
            state=NotificationState.QUEUED, confirmed_at__lt=now - timedelta(seconds=60)
        ).values_list("pk", flat=True)
    )
    for notification_id in Notification.objects.filter(state=NotificationState.SENDING).values_list(
        "pk", flat=True
    ):
        if due(notification_id, now).exists():
            result.to_send.append(notification_id)
        elif finish_if_done(notification_id):
            result.finished.append(notification_id)
    return result
