"""Celery tasks. Tasks stay thin: they take ids and call services."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from .services import maintenance_run_due, maintenance_send_reminders

HEARTBEAT_KEY = "worker:heartbeat"


@shared_task
def heartbeat() -> str:
    """Records that a worker is alive (beat sends it every minute), for health checks."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task
def maintenance_tick() -> dict:
    """Sends due maintenance reminders, then starts and completes due maintenance.

    Beat sends it every 30 seconds. Running it twice at once (two schedulers) is harmless:
    the services claim every transition.
    """
    reminded = maintenance_send_reminders()
    started, completed = maintenance_run_due()
    return {
        "reminded": [m.public_id for m in reminded],
        "started": [m.public_id for m in started],
        "completed": [m.public_id for m in completed],
    }
