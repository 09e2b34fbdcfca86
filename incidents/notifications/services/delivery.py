"""The send: freeze the audience into delivery rows, claim them in batches, send each once.

- Freezing claims the notification (queued → sending) with a conditional UPDATE and writes
  one row per recipient in the same transaction, so running it twice writes nothing twice.
- A sender claims up to a batch of due rows with a conditional UPDATE stamped with its own
  claim id, sends them over one SMTP connection, and marks each row sent or failed as soon as
  the server answered. A row is sent only by whoever claimed it, so a task run twice sends
  nothing twice.
- Transient errors (4xx, lost connections) put a row back with a backoff; permanent ones (5xx
  for that address) fail it for good. A sweep puts back rows a killed worker left in flight.
- Webhook subscribers' rows go through the same claims, retries and sweep; each is POSTed
  (see `..webhooks`) instead of mailed, and their failures count towards disabling them.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import webhooks
from ..emails import (
    Rendered,
    envelope_sender,
    notification_message,
    personal_bytes,
    prepared_bytes,
    render_notification,
)
from ..models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationState,
    Subscriber,
    SubscriberState,
)
from .audience import audience, summarize
from .webhooks import webhook_record_failure, webhook_record_success

logger = logging.getLogger(__name__)

BACKOFF_MAX = 3600  # seconds; the first retry waits NOTIFY_RETRY_BACKOFF, doubling
STOP_CHECK_EVERY = 50  # messages between two looks at "stop sending" (and between batches)
# Accepted mails recorded together: fewer writes; a kill resends at most these (one batch).
MARK_SENT_EVERY = 50


class TransientError(Exception):
    """Worth another try later: the server said 4xx, or the connection failed."""


class PermanentError(Exception):
    """Not worth another try: the server refused this address or message (5xx)."""


def classify(error: Exception) -> Exception:
    """TransientError or PermanentError for an exception raised while sending one message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        text = "; ".join(f"{code} {msg!r}" for code, msg in error.recipients.values())
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentError(text)
        return TransientError(text)
    if isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {error.smtp_error!r}"
        if 500 <= error.smtp_code < 600:
            return PermanentError(text)
        return TransientError(text)
    if isinstance(error, ValueError):  # an address Django refuses to put on the wire
        return PermanentError(str(error))
    return TransientError(f"{type(error).__name__}: {error}")


def backoff(attempts: int) -> timedelta:
    base = settings.NOTIFY_RETRY_BACKOFF
    return timedelta(seconds=min(BACKOFF_MAX, base * 2 ** max(0, attempts - 1)))


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


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    retry_at: datetime | None = None
    errors: list[str] = field(default_factory=list)


def _due(notification_id: int, now: datetime):
    return Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        notification_id=notification_id,
        state=DeliveryState.QUEUED,
    )


def claim_batch(notification_id: int, size: int) -> tuple[str, list[Delivery]]:
    """Claims up to `size` due rows for this caller alone; other senders get other rows."""
    now = timezone.now()
    ids = list(_due(notification_id, now).order_by("pk").values_list("pk", flat=True)[:size])
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


def _finish(delivery: Delivery, state: str, error: str = "", retry_at=None) -> bool:
    """Moves a claimed row on; False when it was no longer ours (swept, stopped)."""
    values = {"state": state, "error": error[:2000], "claim": ""}
    if state == DeliveryState.SENT:
        values["sent_at"] = timezone.now()
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, state=DeliveryState.SENDING, claim=delivery.claim
        ).update(**values)
    )


def _transient(
    delivery: Delivery, error: str, result: SendResult, asked_wait: float | None = None
) -> None:
    """Puts a row back for a retry after the backoff, or after the pause the other side asked
    for when that is longer (never more than BACKOFF_MAX); fails it after the last attempt."""
    if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        _finish(delivery, DeliveryState.FAILED, error)
        result.failed += 1
        return
    wait = backoff(delivery.attempts)
    if asked_wait is not None:
        wait = max(wait, timedelta(seconds=min(asked_wait, BACKOFF_MAX)))
    retry_at = timezone.now() + wait
    _finish(delivery, DeliveryState.QUEUED, error, retry_at)
    result.retried += 1
    result.retry_at = min(result.retry_at or retry_at, retry_at)


def _stopped(notification_id: int) -> bool:
    return not Notification.objects.filter(
        pk=notification_id, state=NotificationState.SENDING
    ).exists()


def _inactive(delivery: Delivery, result: SendResult) -> bool:
    """Cancels a row whose subscriber left (or was disabled) after the audience was frozen."""
    subscriber: Subscriber = delivery.subscriber
    if subscriber.state == SubscriberState.ACTIVE:
        return False
    reason = (
        "Webhook disabled."
        if subscriber.state == SubscriberState.DISABLED
        else "Not subscribed any more."
    )
    if _finish(delivery, DeliveryState.CANCELLED, reason):
        result.cancelled += 1
    return True


def _cancel_rest(rows: list[Delivery], result: SendResult) -> None:
    for rest in rows:
        if _finish(rest, DeliveryState.CANCELLED, "Stopped by staff."):
            result.cancelled += 1


@dataclass
class Renderings:
    """A notification's message in each language, rendered once for all of a send's batches;
    and, for SMTP servers that take 8-bit mail, built once as bytes (emails.prepared_bytes)."""

    notification: Notification
    rendered: dict[str, Rendered] = field(default_factory=dict)
    prepared: dict[str, bytes | None] = field(default_factory=dict)

    def message(self, language: str) -> Rendered:
        if language not in self.rendered:
            self.rendered[language] = render_notification(self.notification, language)
        return self.rendered[language]

    def shared_bytes(self, language: str) -> bytes | None:
        if language not in self.prepared:
            self.prepared[language] = prepared_bytes(self.notification, self.message(language))
        return self.prepared[language]


def send_batch(
    notification: Notification,
    rows: list[Delivery],
    result: SendResult,
    renderings: Renderings | None = None,
) -> None:
    """Sends claimed rows, email over one SMTP connection and webhooks one POST per event,
    recording each outcome at once."""
    hooks = [row for row in rows if row.subscriber.is_webhook]
    mails = [row for row in rows if not row.subscriber.is_webhook]
    if hooks:
        send_webhooks(notification, hooks, result)
        if mails and _stopped(notification.pk):
            _cancel_rest(mails, result)
            return
    if mails:
        send_emails(notification, mails, result, renderings or Renderings(notification))


def send_webhooks(notification: Notification, rows: list[Delivery], result: SendResult) -> None:
    """POSTs each claimed webhook row's events, resuming after those already acknowledged.

    A row is sent once every event got a 2xx. A transient failure puts it back with a backoff
    (from the event that failed), a permanent one fails it; both count against the
    subscriber, who is disabled after WEBHOOK_DISABLE_AFTER failures in a row.
    """
    events = webhooks.events_for(notification)
    for index, delivery in enumerate(rows):
        if index and index % STOP_CHECK_EVERY == 0 and _stopped(notification.pk):
            _cancel_rest(rows[index:], result)
            return
        if _inactive(delivery, result):
            continue
        subscriber = delivery.subscriber
        followed = set(subscriber.components.values_list("pk", flat=True))
        mine = webhooks.events_for_subscriber(events, followed)
        error = None
        for number, event in enumerate(mine[delivery.posted :], start=delivery.posted):
            try:
                webhooks.post(subscriber, event, f"{delivery.pk}-{number}")
            except webhooks.WebhookError as failure:
                error = failure
                break
            # Acknowledged: a retry starts after it. Only while the row is still ours.
            Delivery.objects.filter(
                pk=delivery.pk, state=DeliveryState.SENDING, claim=delivery.claim
            ).update(posted=number + 1)
        if error is None:
            webhook_record_success(subscriber.pk)
            _finish(delivery, DeliveryState.SENT)
            result.sent += 1
        else:
            message = str(error)
            disabled = webhook_record_failure(subscriber.pk, message)
            if error.permanent or disabled:
                _finish(delivery, DeliveryState.FAILED, message)
                result.failed += 1
            else:
                _transient(delivery, message, result, error.retry_after)
            result.errors.append(message)
        # Slow endpoints take time: keep the rest of the batch from looking abandoned to the
        # sweep (which would hand them to another sender).
        Delivery.objects.filter(claim=delivery.claim, state=DeliveryState.SENDING).update(
            claimed_at=timezone.now()
        )


def send_emails(
    notification: Notification, rows: list[Delivery], result: SendResult, renderings: Renderings
) -> None:
    """Sends claimed email rows over one SMTP connection, recording each outcome at once.

    Over an SMTP server that takes 8-bit mail, each language's message is built once and each
    recipient's copy only adds its address and links (see emails.prepared_bytes).
    """
    sent: list[Delivery] = []
    sender = envelope_sender()
    connection = mailers.default
    try:
        connection.open()
    except Exception as error:
        message = str(classify(error))
        for delivery in rows:
            _transient(delivery, message, result)
        result.errors.append(message)
        return
    try:
        takes_8bit = _takes_8bit(connection)
        for index, delivery in enumerate(rows):
            if index and index % STOP_CHECK_EVERY == 0 and _stopped(notification.pk):
                _cancel_rest(rows[index:], result)
                return
            subscriber: Subscriber = delivery.subscriber
            if _inactive(delivery, result):
                continue
            try:
                shared = renderings.shared_bytes(subscriber.language) if takes_8bit else None
                if shared is not None and subscriber.email.isascii():
                    connection.connection.sendmail(
                        sender,
                        [subscriber.email],
                        personal_bytes(shared, subscriber),
                        mail_options=["BODY=8BITMIME"],
                    )
                else:
                    email = notification_message(
                        notification, renderings.message(subscriber.language), subscriber
                    )
                    connection.send_messages([email])
            except Exception as error:
                verdict = classify(error)
                if isinstance(verdict, PermanentError):
                    _finish(delivery, DeliveryState.FAILED, str(verdict))
                    result.failed += 1
                else:
                    _transient(delivery, str(verdict), result)
                    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                        _reconnect(connection)
                continue
            sent.append(delivery)
            result.sent += 1
            if len(sent) >= MARK_SENT_EVERY:
                _mark_sent(sent)
    finally:
        _mark_sent(sent)
        try:
            connection.close()
        except Exception:
            logger.debug("closing the SMTP connection failed", exc_info=True)


def _mark_sent(sent: list[Delivery]) -> None:
    """Records accepted mails a few at a time (one UPDATE, not one per mail). A worker killed
    in between resends at most these: the sweep puts rows still "sending" back in the queue."""
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


def _takes_8bit(connection) -> bool:
    """Whether the mailer is an open SMTP connection to a server that announces 8BITMIME."""
    client = getattr(connection, "connection", None)
    if not isinstance(client, smtplib.SMTP):
        return False
    if not client.does_esmtp:
        client.ehlo_or_helo_if_needed()
    return client.has_extn("8bitmime")


def _reconnect(connection) -> None:
    try:
        connection.close()
    except Exception:
        connection.connection = None
    try:
        connection.open()
    except Exception:
        logger.warning("reconnecting to the SMTP server failed", exc_info=True)


def send_due(notification_id: int, *, batch_size: int | None = None) -> SendResult:
    """Sends every due delivery of a notification that is sending, batch after batch.

    Safe to run in several workers at once and to run again: each row is claimed once.
    Returns what happened and, when some rows wait for a retry, when the next one is due.
    """
    size = batch_size or settings.NOTIFY_BATCH_SIZE
    result = SendResult()
    notification = Notification.objects.select_related("incident", "update").get(pk=notification_id)
    renderings = Renderings(notification)
    while notification.state == NotificationState.SENDING:
        _claim, rows = claim_batch(notification_id, size)
        if not rows:
            break
        send_batch(notification, rows, result, renderings)
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
        if _due(notification_id, now).exists():
            result.to_send.append(notification_id)
        elif finish_if_done(notification_id):
            result.finished.append(notification_id)
    return result
