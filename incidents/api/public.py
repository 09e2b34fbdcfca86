"""Public status API, Statuspage v2 compatible: unauthenticated GETs (CORS `*`, set by
django-cors-headers for /api/v2/).

Two additions to Statuspage's API, each absent unless asked for:
- `?component=<id>` narrows an answer to what that component's readers see (for a pod, the
  pod's page: see incidents/pods/selectors.py);
- `?lang=<code>` adds `translations` in that language to each incident and update, the
  English fields unchanged.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from .. import selectors, statuspage_json
from ..indicators import overall_status
from ..models import Component, Incident, Page
from ..pods import selectors as pod_selectors
from . import schemas, schemas_pages

router = Router(tags=["public"])
RECENT_INCIDENTS = 50

COMPONENT_FILTER = (
    "A component id: only what that component's readers see (an addition to Statuspage's "
    "API). For a pod: the pod, the products (components outside the pods group) and the "
    "incidents and maintenance that affect the pod or no pod at all. For another "
    "component: that component and the incidents that affect it. An unknown id is 404."
)
ERRORS = {400: schemas.Error, 404: schemas.Error, 422: schemas.Error}


class Filters(Schema):
    component: str | None = Field(default=None, description=COMPONENT_FILTER)
    lang: schemas.TranslationLanguage | None = Field(
        default=None,
        description=(
            "Adds `translations` in this language to each incident and update (English "
            "fields unchanged)."
        ),
    )

    def scope(self) -> pod_selectors.Scope | None:
        if not self.component:
            return None
        found = Component.objects.select_related("group").filter(public_id=self.component)
        if not found:
            raise Http404
        return pod_selectors.scope(found[0])

    @property
    def languages(self) -> list[str]:
        return [self.lang] if self.lang else []


def _found(
    queryset, filters: Filters, scope, *, limit=None, order=("-started_at", "-created_at")
) -> list[Incident]:
    return selectors.api_incidents(
        scope.incidents(queryset) if scope else queryset,
        limit=limit,
        order=order,
        translations=bool(filters.languages),
    )


def _incidents(queryset, filters: Filters, scope, **kwargs) -> list[dict]:
    found = _found(queryset, filters, scope, **kwargs)
    return [statuspage_json.incident(i, filters.languages) for i in found]


def _components(scope) -> list[Component]:
    return selectors.api_components(scope.components() if scope else None)


@router.get(
    "summary.json",
    response={200: schemas.Summary, **ERRORS},
    summary="Summary",
    exclude_unset=True,
)
def summary(request, filters: Query[Filters]):
    scope = filters.scope()
    components = _components(scope)
    unresolved = _found(Incident.objects.open(), filters, scope)
    maintenance = _incidents(
        Incident.objects.upcoming() | Incident.objects.active_maintenance(),
        filters,
        scope,
        order=("scheduled_for",),
    )
    return {
        "page": statuspage_json.page(),
        "components": statuspage_json.components(components),
        "incidents": [statuspage_json.incident(i, filters.languages) for i in unresolved],
        "scheduled_maintenances": maintenance,
        "status": statuspage_json.status(overall_status(components, unresolved)),
    }


@router.get(
    "status.json",
    response={200: schemas.PageStatus, **ERRORS},
    summary="Status",
    exclude_unset=True,
)
def status(request, filters: Query[Filters]):
    scope = filters.scope()
    unresolved = _found(Incident.objects.open(), filters, scope)
    overall = overall_status(_components(scope), unresolved)
    return {"page": statuspage_json.page(), "status": statuspage_json.status(overall)}


@router.get(
    "components.json",
    response={200: schemas.PageComponents, **ERRORS},
    summary="Components",
    exclude_unset=True,
)
def components(request, filters: Query[Filters]):
    items = _components(filters.scope())
    return {"page": statuspage_json.page(), "components": statuspage_json.components(items)}


@router.get(
    "incidents.json",
    response={200: schemas.PageIncidents, **ERRORS},
    summary="Incidents",
    exclude_unset=True,
)
def incidents(request, filters: Query[Filters]):
    """The 50 most recent incidents, unresolved and resolved (maintenance has its own)."""
    items = _incidents(
        Incident.objects.incidents(), filters, filters.scope(), limit=RECENT_INCIDENTS
    )
    return {"page": statuspage_json.page(), "incidents": items}


@router.get(
    "incidents/unresolved.json",
    response={200: schemas.PageIncidents, **ERRORS},
    summary="Unresolved incidents",
    exclude_unset=True,
)
def unresolved_incidents(request, filters: Query[Filters]):
    items = _incidents(Incident.objects.open(), filters, filters.scope())
    return {"page": statuspage_json.page(), "incidents": items}


def _maintenances(queryset, filters: Filters) -> dict:
    items = _incidents(
        queryset, filters, filters.scope(), limit=RECENT_INCIDENTS, order=("-scheduled_for",)
    )
    return {"page": statuspage_json.page(), "scheduled_maintenances": items}


@router.get(
    "scheduled-maintenances.json",
    response={200: schemas.PageMaintenances, **ERRORS},
    summary="Scheduled maintenances",
    exclude_unset=True,
)
def scheduled_maintenances(request, filters: Query[Filters]):
    """The 50 most recent scheduled maintenances, in any status."""
    return _maintenances(Incident.objects.maintenances(), filters)


@router.get(
    "scheduled-maintenances/upcoming.json",
    response={200: schemas.PageMaintenances, **ERRORS},
    summary="Upcoming scheduled maintenances",
    exclude_unset=True,
)
def upcoming_maintenances(request, filters: Query[Filters]):
    return _maintenances(Incident.objects.upcoming(), filters)


@router.get(
    "scheduled-maintenances/active.json",
    response={200: schemas.PageMaintenances, **ERRORS},
    summary="Active scheduled maintenances",
    exclude_unset=True,
)
def active_maintenances(request, filters: Query[Filters]):
    return _maintenances(Incident.objects.active_maintenance(), filters)


@router.get(
    "embed.json",
    response={200: schemas_pages.StatusEmbedConfig, **ERRORS},
    summary="Banner settings",
    description=(
        "An addition to Statuspage's API: where the embeddable banner (banner.js) shows and "
        "in which colours, as staff set them (management API `status_embed_config`)."
    ),
)
def embed_config(request):
    return statuspage_json.embed_config(Page.current())
