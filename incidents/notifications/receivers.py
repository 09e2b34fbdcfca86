"""Records notifications for the events the incidents app announces with signals.

Postmortems and maintenance announce their steps after their transaction commits
(`incidents.signals`); each receiver records the notification in a transaction of its own.
"""

from __future__ import annotations

from django.db import transaction

from .. import signals
from .services.notifications import (
    notification_auto_confirm,
    notify_postmortem_published,
    notify_update_posted,
)


def on_maintenance_step(sender, maintenance, update, automatic: bool = False, **kwargs) -> None:
    with transaction.atomic():
        notification = notify_update_posted(update, actor=update.author)
        if notification is not None and automatic:
            notification_auto_confirm(notification)


def on_postmortem_published(sender, postmortem, incident, actor, **kwargs) -> None:
    with transaction.atomic():
        notify_postmortem_published(incident, postmortem=postmortem, actor=actor)


def connect() -> None:
    for name, signal in (
        ("maintenance_scheduled", signals.maintenance_scheduled),
        ("maintenance_started", signals.maintenance_started),
        ("maintenance_completed", signals.maintenance_completed),
    ):
        signal.connect(on_maintenance_step, dispatch_uid=f"notifications.{name}")
    signals.postmortem_published.connect(
        on_postmortem_published, dispatch_uid="notifications.postmortem_published"
    )
