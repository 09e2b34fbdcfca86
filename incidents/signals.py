"""Signals for scheduled maintenance and postmortems, sent once the transaction has committed.

Notifications (and anything else) subscribe with `signal.connect(receiver)`; nothing is sent
for a write that rolled back, and each transition is sent exactly once even when two
schedulers race (the services claim transitions with a conditional UPDATE).

Every signal's sender is the model class; the keyword arguments are:

- `maintenance_scheduled`: `maintenance` (Incident of kind maintenance), `update` (its first
  timeline entry, status "scheduled").
- `maintenance_started`: `maintenance`, `update` (status "in_progress"), `automatic` (bool:
  started by the scheduler rather than by staff).
- `maintenance_updated`: `maintenance`, `update`: any other timeline entry (e.g. "verifying").
- `maintenance_completed`: `maintenance`, `update` (status "completed"), `automatic`.
- `maintenance_reminder`: `maintenance`: its start is near (setting STATUS_MAINTENANCE_REMINDER).
- `postmortem_published`: `postmortem`, `incident`, `actor` (the user who published, or None).

Receivers decide whether subscribers hear of an update from `update.deliver_notifications`.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

maintenance_scheduled = Signal()
maintenance_started = Signal()
maintenance_updated = Signal()
maintenance_completed = Signal()
maintenance_reminder = Signal()
postmortem_published = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    """Sends `signal` after the current transaction commits (at once outside one).

    The write has committed by then, so a failing receiver is logged rather than raised.
    """

    def send():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error("Receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(send)
