"""Celery tasks. Tasks stay thin: they take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from .reminders import send_overdue_reminders
from .services import maintenance_run_due, maintenance_send_reminders

logger = logging.getLogger(__name__)

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


@shared_task
def remind_overdue_updates() -> list[str]:
    """Emails staff about open incidents whose promised next update is late (see
    `incidents.reminders`). Beat sends it every minute; each promise is reminded once."""
    return [incident.public_id for incident in send_overdue_reminders()]


@shared_task(bind=True, max_retries=5)
def translate_incident(self, incident_id: int) -> int:
    """Fills the incident's missing machine translations (see `translations_fill_machine`).

    Transient backend failures (unreachable, overloaded) are retried with backoff; what was
    translated before the failure is kept, so a retry only asks for the rest.
    """
    from .machine_translation import TranslationError, get_backend
    from .models import Incident
    from .services.translations import translations_fill_machine

    backend = get_backend()
    incident = Incident.objects.filter(pk=incident_id).first()
    if backend is None or incident is None:
        return 0
    try:
        return len(translations_fill_machine(incident, backend))
    except TranslationError as error:
        if error.permanent:
            logger.error("machine translation of incident %s failed: %s", incident_id, error)
            return 0
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error


@shared_task(bind=True, max_retries=12)
def purge_shared_cache(self, url: str, keys: list[str]) -> bool:
    """Purges `keys` from the shared cache at `url` (see `incidents.purge`); a failure is
    logged and retried with backoff (5 s doubling, at most 5 minutes apart, about half an
    hour in all), after which the answers' `s-maxage` bounds the staleness."""
    from .purge import PurgeFailed, purge

    try:
        purge(url, keys)
    except PurgeFailed as error:
        logger.warning("purging %s from %s failed: %s", " ".join(keys), url, error)
        if self.request.is_eager:
            return False  # run in place (no worker): the request that published must not wait
        raise self.retry(exc=error, countdown=min(300, 5 * 2**self.request.retries)) from error
    return True
