"""This app's permissions for the staff roles defined in `incidents.roles`."""

from __future__ import annotations

from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

ROLES: dict[str, set[str]] = {
    # See subscribers and notifications, review an audience and start or stop a send.
    SUPPORT_STAFF: {
        "view_subscriber",
        "view_notification",
        "view_delivery",
        "send_notification",
        "stop_notification",
    },
    # Also approve wide sends, change subscribers (bounced, unsubscribed), add, disable and
    # enable webhook subscribers.
    INCIDENT_MANAGERS: {
        "view_subscriber",
        "add_subscriber",
        "change_subscriber",
        "view_notification",
        "view_delivery",
        "send_notification",
        "stop_notification",
        "approve_notification",
    },
}
