"""Public status API, Statuspage v2 compatible: unauthenticated GETs (CORS `*`, set by
django-cors-headers for /api/v2/)."""

from __future__ import annotations

from ninja import Router

from .. import selectors
from ..models import Incident
from . import schemas, serializers

router = Router(tags=["public"])
RECENT_INCIDENTS = 50


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
        "scheduled_maintenances": [],
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
    """The 50 most recent incidents, unresolved and resolved; maintenance has its own list."""
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
