"""Celery tasks. Tasks stay thin: they take ids and call services."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "worker:heartbeat"


@shared_task
def heartbeat() -> str:
    """Records that a worker is alive (beat sends it every minute), for health checks."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now
