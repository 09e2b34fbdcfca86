"""Reads of monitoring for the core and the staff side; nothing here writes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from incidents import timefmt
from incidents.context_processors import StaffWarning
from incidents.forms import template_initial
from incidents.models import Component, ComponentStatus, Incident

from .models import AlertState, AlertStatus, Integration


def automation_status(component: Component | int) -> str | None:
    """The worst status the firing alerts of integrations that update components hold the
    component in; None when no such alert fires. The core asks it (`incidents.automation`)
    when the last incident or maintenance holding the component ends."""
    component_id = component.pk if isinstance(component, Component) else component
    statuses = AlertState.objects.filter(
        component_id=component_id,
        state=AlertStatus.FIRING,
        integration__update_components=True,
    ).values_list("status", flat=True)
    found = list(statuses)
    return ComponentStatus.worst(found) if found else None


def quiet_since(integration: Integration) -> datetime:
    return integration.last_received_at or integration.created_at


def is_silent(integration: Integration, now: datetime | None = None) -> bool:
    """Whether an integration that expects a heartbeat has sent nothing for longer."""
    if integration.heartbeat_minutes is None:
        return False
    now = now or timezone.now()
    return quiet_since(integration) + timedelta(minutes=integration.heartbeat_minutes) <= now


def silent_integrations(now: datetime | None = None) -> list[Integration]:
    """The integrations whose heartbeat is late, the longest silent first."""
    now = now or timezone.now()
    expecting = Integration.objects.filter(heartbeat_minutes__isnull=False)
    return sorted((i for i in expecting if is_silent(i, now)), key=quiet_since)


def refusing_integrations() -> list[Integration]:
    """The integrations whose latest payload was refused (none read since)."""
    read_since = Q(last_received_at__isnull=True) | Q(last_received_at__lt=F("last_error_at"))
    return list(
        Integration.objects.filter(read_since, last_error_at__isnull=False).order_by(
            "-last_error_at"
        )
    )


def drafts() -> list[Incident]:
    """The draft incidents waiting for staff, oldest first, with their components."""
    return list(
        Incident.with_drafts.drafts()
        .prefetch_related("affected__component__group")
        .order_by("started_at", "pk")
    )


def _draft_template(incident: Incident):
    alert = (
        AlertState.objects.filter(incident=incident, integration__template__isnull=False)
        .select_related("integration__template")
        .first()
    )
    return alert.integration.template if alert else None


def draft_suggestion(incident: Incident) -> dict:
    """What a draft's update form starts from: its integration's template, if any."""
    return template_initial(_draft_template(incident), for_update=True)


def staff_warnings() -> list[StaffWarning]:
    """The admin banner's boxes: drafts to publish or discard, silent integrations, and
    integrations whose latest payload was refused."""
    draft_items = []
    for incident in drafts():
        components = ", ".join(str(row.component) for row in incident.affected.all())
        draft_items.append(
            {
                "label": incident.name,
                "url": reverse("admin:incidents_incident_change", args=[incident.pk])
                + "#post-update",
                "detail": f"{components or 'no component'}, since "
                f"{timefmt.dated_stamp(incident.started_at)}. Not public; nobody notified.",
            }
        )
    silent_items = [
        {
            "label": integration.name,
            "url": integration.get_absolute_url(),
            "detail": f"nothing received since {timefmt.dated_stamp(quiet_since(integration))} "
            f"(expected every {integration.heartbeat_minutes} minutes).",
        }
        for integration in silent_integrations()
    ]
    refused_items = [
        {
            "label": integration.name,
            "url": integration.get_absolute_url(),
            "detail": f"{integration.last_error[:200]} "
            f"({timefmt.dated_stamp(integration.last_error_at)})",
        }
        for integration in refusing_integrations()
    ]
    return [
        StaffWarning("Draft incidents opened by monitoring", draft_items),
        StaffWarning("Monitoring integrations gone silent", silent_items),
        StaffWarning("Monitoring payloads refused", refused_items),
    ]
