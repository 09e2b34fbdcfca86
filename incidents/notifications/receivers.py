"""What subscribers may hear of: the notifications recorded for the site's domain events.

A recorder (see `incidents.events`): it runs inside the transaction of the write, so the
notification exists exactly when the update does, and the service hands it to its caller.
Nothing is sent here: staff review the audience and confirm first; only a step the scheduler
took on its own (a maintenance starting or completing on time, or its reminder before the
start) confirms itself, for the audience of the components it names, once staff confirmed an
earlier notification of that maintenance for the same components.
"""

from __future__ import annotations

from incidents.events import Event

from .models import Notification, NotificationKind
from .services.notifications import (
    notification_auto_confirm,
    notification_record,
    notify_postmortem_published,
    notify_update_posted,
)

# The events whose timeline entry subscribers hear of. A maintenance's "verifying" step and
# notes posted along the way appear on the page only.
ANNOUNCED_UPDATES = {
    "incident.create",
    "incident.update",
    "maintenance.schedule",
    "maintenance.start",
    "maintenance.complete",
}


def record(event: Event) -> Notification | None:
    if event.action == "postmortem.publish" and event.notify:
        postmortem = event.target
        return notify_postmortem_published(
            postmortem.incident, postmortem=postmortem, actor=event.actor
        )
    if event.action in ANNOUNCED_UPDATES and event.update is not None:
        notification = notify_update_posted(event.update, actor=event.actor)
        if notification is not None and event.automatic:
            notification_auto_confirm(notification)
        return notification
    if event.action == "maintenance.remind" and event.notify:
        return record_reminder(event)
    return None


def record_reminder(event: Event) -> Notification | None:
    """The reminder the scheduler announces before a maintenance starts: for its components as
    they are now, confirmed like the scheduler's other steps or left waiting for staff."""
    maintenance = event.target
    if maintenance is None or maintenance.backfilled:
        return None
    notification = notification_record(
        kind=NotificationKind.MAINTENANCE_REMINDER, incident=maintenance, actor=event.actor
    )
    if event.automatic:
        notification_auto_confirm(notification)
    return notification
