"""Celery tasks of the notifications app. Thin: they take ids and call services.

Every task is safe to run twice (Celery's late acknowledgement redelivers a task whose
worker died): the services claim their work with conditional UPDATEs.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError

from .services import delivery
from .services.confirmations import confirmation_send, welcome_send

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


@shared_task(name="notifications.request_subscription")
def request_subscription(
    email: str,
    language: str,
    component_ids: list[int],
    incident_ids: list[int],
    incidents_only: bool,
) -> bool:
    """A sign-up from the public form (see `subscriber_request_later`), written here."""
    from incidents.models import Component, Incident

    from .services.subscribers import subscriber_request

    components = list(Component.objects.filter(pk__in=component_ids))
    incidents = list(Incident.objects.filter(pk__in=incident_ids))
    if len(components) != len(set(component_ids)) or len(incidents) != len(set(incident_ids)):
        # Deleted between the sign-up and now: asking for less than was chosen would subscribe
        # the reader to more (no component means all of them).
        logger.warning("a sign-up named a component or incident deleted since; dropped")
        return False
    try:
        subscriber_request(
            email=email,
            language=language,
            components=components,
            incidents=incidents,
            incidents_only=incidents_only,
        )
    except ValidationError as error:
        logger.warning("a sign-up was refused in the worker: %s", "; ".join(error.messages))
        return False
    return True


@shared_task(
    name="notifications.send_confirmation",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_confirmation(subscriber_id: int, nonce: str) -> bool:
    """Sends the double opt-in mail for this confirmation nonce, once."""
    return confirmation_send(subscriber_id, nonce)


@shared_task(
    name="notifications.send_welcome",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_welcome(subscriber_id: int, confirmed_at: str) -> bool:
    """Sends the welcome mail of this confirmation, once."""
    return welcome_send(subscriber_id, confirmed_at)
