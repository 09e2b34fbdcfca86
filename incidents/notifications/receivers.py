"""Records notifications for the events the incidents app announces with signals.

Postmortems and maintenance announce their steps after their transaction commits
(`incidents.signals`); each receiver records the notification in a transaction of its own.
"""

from __future__ import annotations

from django.db import transaction

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


def on_postmortem_published(sender, postmortem, incident, actor=None, **kwargs) -> None:
    with transaction.atomic():
        notify_postmortem_published(incident, postmortem=postmortem, actor=actor)


def connect() -> None:
    try:
        from incidents import signals
    except ImportError:  # an incidents app without postmortems or maintenance yet
        return
    for name in ("maintenance_scheduled", "maintenance_started", "maintenance_completed"):
        signal = getattr(signals, name, None)
        if signal is not None:
            signal.connect(on_maintenance_step, dispatch_uid=f"notifications.{name}")
    if hasattr(signals, "postmortem_published"):
        signals.postmortem_published.connect(
            on_postmortem_published, dispatch_uid="notifications.postmortem_published"
        )
