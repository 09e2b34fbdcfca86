"""Public status API, Statuspage v2 compatible: unauthenticated GETs (CORS `*`, set by
django-cors-headers for /api/v2/)."""

from __future__ import annotations

from ninja import Router

from .. import selectors
from ..models import Incident
from . import schemas, serializers

router = Router(tags=["public"])
RECENT_INCIDENTS = 50


def _maintenance_now():
    """Upcoming and in-progress maintenance, soonest first (as the summary lists them)."""
    return selectors.api_incidents(
        Incident.objects.upcoming() | Incident.objects.active_maintenance(),
        order=("scheduled_for",),
    )


def _page_status():
    components = selectors.api_components()
    unresolved = selectors.api_incidents(Incident.objects.open())
    overall = selectors.overall_status(components, unresolved)
    return components, unresolved, overall


@router.get("summary.json", response=schemas.Summary, summary="Summary", exclude_unset=True)
def summary(request):
    components, unresolved, overall = _page_status()
    return {
        "page": serializers.page(),
        "components": serializers.components(components),
        "incidents": [serializers.incident(i) for i in unresolved],
        "scheduled_maintenances": [serializers.incident(m) for m in _maintenance_now()],
        "status": serializers.status(overall),
    }


@router.get("status.json", response=schemas.PageStatus, summary="Status", exclude_unset=True)
def status(request):
    _components, _unresolved, overall = _page_status()
    return {"page": serializers.page(), "status": serializers.status(overall)}


@router.get(
    "components.json", response=schemas.PageComponents, summary="Components", exclude_unset=True
)
def components(request):
    items = selectors.api_components()
    return {"page": serializers.page(), "components": serializers.components(items)}


@router.get(
    "incidents.json", response=schemas.PageIncidents, summary="Incidents", exclude_unset=True
)
def incidents(request):
    """The 50 most recent incidents, unresolved and resolved."""
    items = selectors.api_incidents(Incident.objects.incidents(), limit=RECENT_INCIDENTS)
    return {"page": serializers.page(), "incidents": [serializers.incident(i) for i in items]}


@router.get(
    "incidents/unresolved.json",
    response=schemas.PageIncidents,
    summary="Unresolved incidents",
    exclude_unset=True,
)
def unresolved_incidents(request):
    items = selectors.api_incidents(Incident.objects.open())
    return {"page": serializers.page(), "incidents": [serializers.incident(i) for i in items]}


def _maintenances(queryset) -> dict:
    items = selectors.api_incidents(queryset, limit=RECENT_INCIDENTS, order=("-scheduled_for",))
    return {
        "page": serializers.page(),
        "scheduled_maintenances": [serializers.incident(m) for m in items],
    }


@router.get(
    "scheduled-maintenances.json",
    response=schemas.PageMaintenances,
    summary="Scheduled maintenances",
    exclude_unset=True,
)
def scheduled_maintenances(request):
    """The 50 most recent scheduled maintenances, in any status."""
    return _maintenances(Incident.objects.maintenances())


@router.get(
    "scheduled-maintenances/upcoming.json",
    response=schemas.PageMaintenances,
    summary="Upcoming scheduled maintenances",
    exclude_unset=True,
)
def upcoming_maintenances(request):
    return _maintenances(Incident.objects.upcoming())


@router.get(
    "scheduled-maintenances/active.json",
    response=schemas.PageMaintenances,
    summary="Active scheduled maintenances",
    exclude_unset=True,
)
def active_maintenances(request):
    return _maintenances(Incident.objects.active_maintenance())
