"""Celery tasks of the metrics app. Thin: they call the services."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from .services import metric_data_prune, prometheus_poll


@shared_task(name="metrics.poll")
def poll() -> dict:
    """Beat sends it every minute: polls the due Prometheus metrics, and once an hour deletes
    the data older than the charts need."""
    now = timezone.now()
    report = prometheus_poll(now=now)
    try:
        prune = cache.add(f"metrics:pruned:{int(now.timestamp() // 3600)}", True, 2 * 3600)
    except Exception:  # the cache is down: prune now (it is idempotent)
        prune = True
    pruned = metric_data_prune(now=now) if prune else 0
    return {
        "stored": report.stored,
        "failed_providers": report.failed_providers,
        "failed_metrics": report.failed_metrics,
        "skipped": report.skipped,
        "pruned": pruned,
    }
