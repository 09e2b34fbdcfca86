"""Public status API, Statuspage v2 compatible: unauthenticated GETs (CORS `*`, set by
django-cors-headers for /api/v2/)."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from .. import selectors
from ..models import Incident
from . import schemas, serializers

router = Router(tags=["public"])
RECENT_INCIDENTS = 50


class Language(Schema):
    lang: schemas.TranslationLanguage | None = Field(
        default=None,
        description=(
            "Adds `translations` in this language to each incident and update (English "
            "fields unchanged)."
        ),
    )


def _languages(query: Language) -> list[str]:
    return [query.lang] if query.lang else []


def _incidents(queryset=None, limit=None, query: Language | None = None) -> list[dict]:
    languages = _languages(query) if query else []
    items = selectors.api_incidents(queryset, limit=limit, translations=bool(languages))
    return [serializers.incident(i, languages) for i in items]


def _page_status():
    components = selectors.api_components()
    unresolved = selectors.api_incidents(Incident.objects.open())
    overall = selectors.overall_status(components, unresolved)
    return components, unresolved, overall


@router.get(
    "summary.json",
    response={200: schemas.Summary, 422: schemas.Error},
    summary="Summary",
    exclude_unset=True,
)
def summary(request, query: Query[Language]):
    components = selectors.api_components()
    unresolved = selectors.api_incidents(
        Incident.objects.open(), translations=bool(_languages(query))
    )
    overall = selectors.overall_status(components, unresolved)
    return {
        "page": serializers.page(),
        "components": serializers.components(components),
        "incidents": [serializers.incident(i, _languages(query)) for i in unresolved],
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
    "incidents.json",
    response={200: schemas.PageIncidents, 422: schemas.Error},
    summary="Incidents",
    exclude_unset=True,
)
def incidents(request, query: Query[Language]):
    """The 50 most recent incidents, unresolved and resolved."""
    return {
        "page": serializers.page(),
        "incidents": _incidents(limit=RECENT_INCIDENTS, query=query),
    }


@router.get(
    "incidents/unresolved.json",
    response={200: schemas.PageIncidents, 422: schemas.Error},
    summary="Unresolved incidents",
    exclude_unset=True,
)
def unresolved_incidents(request, query: Query[Language]):
    return {
        "page": serializers.page(),
        "incidents": _incidents(Incident.objects.open(), query=query),
    }
