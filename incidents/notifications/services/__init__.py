"""Every write of the notifications app goes through a function here."""

from .audience import AudienceSummary, audience, summarize
from .notifications import (
    delivery_report,
    notification_approve,
    notification_confirm,
    notification_record,
    notification_stop,
    notify_postmortem_published,
    notify_update_posted,
)
from .subscribers import (
    normalize_email,
    subscriber_confirm,
    subscriber_mark_bounced,
    subscriber_request,
    subscriber_unsubscribe,
    subscriber_update_preferences,
)
from .webhooks import (
    webhook_subscriber_create,
    webhook_subscriber_disable,
    webhook_subscriber_enable,
)

__all__ = [
    "AudienceSummary",
    "audience",
    "delivery_report",
    "normalize_email",
    "notification_approve",
    "notification_confirm",
    "notification_record",
    "notification_stop",
    "notify_postmortem_published",
    "notify_update_posted",
    "subscriber_confirm",
    "subscriber_mark_bounced",
    "subscriber_request",
    "subscriber_unsubscribe",
    "subscriber_update_preferences",
    "summarize",
    "webhook_subscriber_create",
    "webhook_subscriber_disable",
    "webhook_subscriber_enable",
]
