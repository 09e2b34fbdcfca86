"""Celery tasks of the notifications app. Thin: they take ids and call services.

Every task is safe to run twice (Celery's late acknowledgement redelivers a task whose
worker died): the services claim their work with conditional UPDATEs.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .services import delivery
from .services.confirmations import confirmation_send

logger = logging.getLogger(__name__)


@shared_task(name="notifications.start")
def start_notification(notification_id: int) -> int | None:
    """Freezes the audience of a confirmed notification, then starts the senders."""
    recipients = delivery.freeze_audience(notification_id)
    if recipients is not None:
        for _ in range(max(1, settings.NOTIFY_SENDERS)):
            send_notification.delay(notification_id)
    return recipients


@shared_task(name="notifications.send")
def send_notification(notification_id: int) -> dict:
    """Sends the due deliveries of a notification; comes back when retries fall due."""
    result = delivery.send_due(notification_id)
    if result.retry_at is not None:
        send_notification.apply_async((notification_id,), eta=result.retry_at)
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}


@shared_task(name="notifications.sweep")
def sweep() -> dict:
    """Periodic: puts back deliveries a lost worker left in flight and restarts stalled work."""
    result = delivery.sweep()
    for notification_id in result.to_start:
        start_notification.delay(notification_id)
    for notification_id in result.to_send:
        send_notification.delay(notification_id)
    if result.requeued:
        logger.warning("Put back %d deliveries left in flight", result.requeued)
    return {"requeued": result.requeued, "started": result.to_start, "sending": result.to_send}


@shared_task(
    name="notifications.send_confirmation",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_confirmation(subscriber_id: int, nonce: str) -> bool:
    """Sends the double opt-in mail for this confirmation nonce, once."""
    return confirmation_send(subscriber_id, nonce)
