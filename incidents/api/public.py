"""Public status API, Statuspage v2 compatible: unauthenticated GETs (CORS `*`, set by
django-cors-headers for /api/v2/).

`?component=<id>` narrows any answer to what that component's readers see (for a pod, the
pod's page: see incidents/pods/selectors.py); an addition to Statuspage's API. Without it the
answers are unchanged.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router

from .. import selectors
from ..models import Component, Incident
from ..pods import selectors as pod_selectors
from . import schemas, serializers

router = Router(tags=["public"])
RECENT_INCIDENTS = 50

COMPONENT_FILTER = (
    "A component id: only what that component's readers see (an addition to Statuspage's "
    "API). For a pod: the pod, the products (components outside the pods group) and the "
    "incidents and maintenance that affect the pod or no pod at all. For another "
    "component: that component and the incidents that affect it. An unknown id is 404."
)
NOT_FOUND = {404: schemas.Error}


def _maintenance_now(scope: pod_selectors.Scope | None = None):
    """Upcoming and in-progress maintenance, soonest first (as the summary lists them)."""
    queryset = Incident.objects.upcoming() | Incident.objects.active_maintenance()
    return selectors.api_incidents(
        scope.incidents(queryset) if scope else queryset, order=("scheduled_for",)
    )


def _scope(component: str | None) -> pod_selectors.Scope | None:
    if not component:
        return None
    found = Component.objects.select_related("group").filter(public_id=component).first()
    if found is None:
        raise Http404
    return pod_selectors.scope(found)


def _components(scope: pod_selectors.Scope | None) -> list[Component]:
    return selectors.api_components(scope.components() if scope else None)


def _incidents(queryset, scope: pod_selectors.Scope | None, limit: int | None = None):
    return selectors.api_incidents(scope.incidents(queryset) if scope else queryset, limit=limit)


def _page_status(scope: pod_selectors.Scope | None):
    components = _components(scope)
    unresolved = _incidents(Incident.objects.open(), scope)
    overall = selectors.overall_status(components, unresolved)
    return components, unresolved, overall


@router.get(
    "summary.json",
    response={200: schemas.Summary, **NOT_FOUND},
    summary="Summary",
    exclude_unset=True,
)
def summary(request, component: str | None = Query(None, description=COMPONENT_FILTER)):
    scope = _scope(component)
    components, unresolved, overall = _page_status(scope)
    return {
        "page": serializers.page(),
        "components": serializers.components(components),
        "incidents": [serializers.incident(i) for i in unresolved],
        "scheduled_maintenances": [serializers.incident(m) for m in _maintenance_now(scope)],
        "status": serializers.status(overall),
    }


@router.get(
    "status.json",
    response={200: schemas.PageStatus, **NOT_FOUND},
    summary="Status",
    exclude_unset=True,
)
def status(request, component: str | None = Query(None, description=COMPONENT_FILTER)):
    _items, _unresolved, overall = _page_status(_scope(component))
    return {"page": serializers.page(), "status": serializers.status(overall)}


@router.get(
    "components.json",
    response={200: schemas.PageComponents, **NOT_FOUND},
    summary="Components",
    exclude_unset=True,
)
def components(request, component: str | None = Query(None, description=COMPONENT_FILTER)):
    items = _components(_scope(component))
    return {"page": serializers.page(), "components": serializers.components(items)}


@router.get(
    "incidents.json",
    response={200: schemas.PageIncidents, **NOT_FOUND},
    summary="Incidents",
    exclude_unset=True,
)
def incidents(request, component: str | None = Query(None, description=COMPONENT_FILTER)):
    """The 50 most recent incidents, unresolved and resolved."""
    # Incidents only, as Statuspage: maintenance has its own endpoints and statuses.
    items = _incidents(Incident.objects.incidents(), _scope(component), limit=RECENT_INCIDENTS)
    return {"page": serializers.page(), "incidents": [serializers.incident(i) for i in items]}


@router.get(
    "incidents/unresolved.json",
    response={200: schemas.PageIncidents, **NOT_FOUND},
    summary="Unresolved incidents",
    exclude_unset=True,
)
def unresolved_incidents(
    request, component: str | None = Query(None, description=COMPONENT_FILTER)
):
    items = _incidents(Incident.objects.open(), _scope(component))
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
