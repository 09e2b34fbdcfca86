"""Beat tasks of monitoring. Thin: they call the services."""

from __future__ import annotations

from celery import shared_task

from .services import heartbeats_check, settle_due


@shared_task(name="monitoring.settle")
def settle() -> list[str]:
    """Applies the component changes whose flap interval has passed (see `services.alerts`).
    Beat sends it every 15 seconds; two runs at once change a component once."""
    return settle_due()


@shared_task(name="monitoring.heartbeats")
def heartbeats() -> list[str]:
    """Warns staff, once per silence, of integrations whose heartbeat is late. Every minute."""
    return [integration.public_id for integration in heartbeats_check()]
