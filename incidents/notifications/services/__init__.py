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
    incident_follower_add,
    incident_follower_remove,
    normalize_email,
    subscriber_add,
    subscriber_confirm,
    subscriber_mark_bounced,
    subscriber_request,
    subscriber_resend_confirmation,
    subscriber_set_components,
    subscriber_unsubscribe,
    subscriber_update_preferences,
    subscribers_reactivate,
    subscribers_resend_confirmation,
    subscribers_unsubscribe,
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
    "incident_follower_add",
    "incident_follower_remove",
    "normalize_email",
    "notification_approve",
    "notification_confirm",
    "notification_record",
    "notification_stop",
    "notify_postmortem_published",
    "notify_update_posted",
    "subscriber_add",
    "subscriber_confirm",
    "subscriber_mark_bounced",
    "subscriber_request",
    "subscriber_resend_confirmation",
    "subscriber_set_components",
    "subscriber_unsubscribe",
    "subscriber_update_preferences",
    "subscribers_reactivate",
    "subscribers_resend_confirmation",
    "subscribers_unsubscribe",
    "summarize",
    "webhook_subscriber_create",
    "webhook_subscriber_disable",
    "webhook_subscriber_enable",
]
