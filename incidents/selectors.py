"""Reads: what the public pages and the APIs show.

Every selector issues a fixed number of queries however many components and incidents exist.
The objects the pages get are in `viewmodels`; the overall-status rule is in `indicators`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, Prefetch, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from . import timefmt
from .indicators import overall_status
from .localize import current_language
from .models import (
    FINISHED_STATUSES,
    Component,
    ComponentGroup,
    Incident,
    IncidentComponent,
    IncidentKind,
    IncidentUpdate,
    MaintenanceStatus,
    UpdateComponentChange,
)
from .uptime import component_uptime
from .viewmodels import (
    History,
    MonthLink,
    StatusPage,
    by_severity,
    component_groups,
    recent_days,
)


def _timeline_prefetch() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=IncidentUpdate.objects.order_by("display_at", "created_at").prefetch_related(
            Prefetch(
                "component_changes",
                # As the page lists components; without an order PostgreSQL picks one.
                queryset=UpdateComponentChange.objects.select_related("component").order_by(
                    "component__group__position", "component__position", "component__name"
                ),
            )
        ),
    )


def _translations() -> list[str]:
    """The incidents' translations, prefetched when the page is not in English (the source)."""
    return [] if current_language() == settings.LANGUAGE_CODE else ["translations"]


def _component_translations(path: str = "") -> list[str]:
    """The translations of components (at `path`) and of their groups, prefetched as the
    incidents' are: once for the page, whatever the number of components."""
    if current_language() == settings.LANGUAGE_CODE:
        return []
    return [f"{path}translations", f"{path}group__translations"]


def _affected_prefetch(*, localized: bool = False) -> Prefetch:
    """The affected components, with their translations when the page shows them
    `localized` (in the active language)."""
    queryset = IncidentComponent.objects.select_related("component__group")
    if localized:
        queryset = queryset.prefetch_related(*_component_translations("component__"))
    return Prefetch("affected", queryset=queryset)


def status_page(
    *, components: QuerySet[Component] | None = None, incidents: QuerySet[Incident] | None = None
) -> StatusPage:
    """Everything `/` shows, in a fixed number of queries.

    `components` and `incidents` (querysets) narrow the page to part of the site, as a pod's
    page does; by default it shows everything.
    """
    if components is None:
        components = Component.objects.all()
    narrowed = incidents is not None
    if incidents is None:
        incidents = Incident.objects.all()
    components = list(
        components.select_related("group").prefetch_related(*_component_translations())
    )
    # Open incidents and unfinished maintenance in one go, told apart in Python.
    unfinished = list(
        incidents.exclude(status__in=FINISHED_STATUSES)
        .order_by("-started_at")
        .prefetch_related(
            _timeline_prefetch(), _affected_prefetch(localized=True), *_translations()
        )
    )
    open_incidents = by_severity(i for i in unfinished if i.kind == IncidentKind.INCIDENT)
    maintenance = sorted(
        (i for i in unfinished if i.kind == IncidentKind.MAINTENANCE),
        key=lambda m: (m.scheduled_for, m.pk),
    )
    recent = list(
        incidents.past()
        .order_by("-started_at")
        .prefetch_related(_timeline_prefetch(), *_translations())[
            : settings.STATUS_RECENT_INCIDENTS
        ]
    )
    groups = component_groups(components)
    return StatusPage(
        overall=overall_status(components, open_incidents),
        groups=groups,
        open_incidents=open_incidents,
        days=recent_days(recent),
        active_maintenance=[m for m in maintenance if m.status != MaintenanceStatus.SCHEDULED],
        upcoming_maintenance=[m for m in maintenance if m.status == MaintenanceStatus.SCHEDULED],
        uptime=component_uptime(
            [c for view in groups for c in view.components],
            incidents=incidents if narrowed else None,
        ),
        rendered_at=timezone.now(),
    )


def incident_detail(public_id: str) -> Incident:
    """One incident with its timeline and affected components; raises Incident.DoesNotExist.
    The components' translations come with them (the page names them in its language)."""
    # The timeline's component changes name the components (not their groups).
    changed = []
    if current_language() != settings.LANGUAGE_CODE:
        changed = ["updates__component_changes__component__translations"]
    return (
        Incident.objects.select_related("postmortem")
        .prefetch_related(
            _timeline_prefetch(),
            _affected_prefetch(localized=True),
            *_translations(),
            *changed,
        )
        .get(public_id=public_id)
    )


def _month_start(month: date) -> datetime:
    return datetime.combine(month.replace(day=1), time.min, tzinfo=timefmt.reference_zone().tz)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def history(
    *,
    month: date | None = None,
    component: Component | None = None,
    group: ComponentGroup | None = None,
) -> History:
    """Past incidents and completed maintenance of one month (reference-zone calendar), newest
    first, optionally only those touching `component` or a component of `group`.

    Without `month`, the newest month that has any. Five queries however much history exists.
    """
    past = Incident.objects.past()
    touching = IncidentComponent.objects.values("incident")
    if component is not None:
        past = past.filter(pk__in=touching.filter(component=component))
    if group is not None:
        past = past.filter(pk__in=touching.filter(component__group=group))
    tz = timefmt.reference_zone().tz
    months = [
        MonthLink(row["month"].astimezone(tz).date(), row["count"])
        for row in past.annotate(month=TruncMonth("started_at", tzinfo=tz))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("-month")
    ]
    if month is None:
        month = months[0].month if months else timefmt.reference_date(timezone.now())
    month = month.replace(day=1)
    entries = list(
        past.filter(
            started_at__gte=_month_start(month), started_at__lt=_month_start(_next_month(month))
        )
        .order_by("-started_at")
        .prefetch_related(_affected_prefetch(), *_translations())
    )
    newer = [m.month for m in months if m.month > month]
    older = [m.month for m in months if m.month < month]
    all_components = list(
        Component.objects.select_related("group")
        .filter(showcase=True)
        .order_by("group__position", "group__name", "position", "name")
    )
    return History(
        month=month,
        entries=entries,
        months=months,
        newer=newer[-1] if newer else None,
        older=older[0] if older else None,
        components=all_components,
        groups=sorted(
            {c.group for c in all_components if c.group}, key=lambda g: (g.position, g.name)
        ),
    )


# Reads for the APIs.


def page_updated_at():
    """When anything public last changed: the newest component, group, incident or update."""
    candidates = [
        model.objects.aggregate(at=Max("updated_at"))["at"]
        for model in (Component, ComponentGroup, Incident, IncidentUpdate)
    ]
    return max((c for c in candidates if c), default=None)


def api_components(queryset: QuerySet[Component] | None = None) -> list[Component]:
    queryset = queryset if queryset is not None else Component.objects.all()
    return list(queryset.select_related("group").order_by("position", "name"))


def api_incidents(
    queryset=None,
    limit: int | None = None,
    order: tuple[str, ...] = ("-started_at", "-created_at"),
    *,
    translations: bool | None = None,
) -> list[Incident]:
    """Incidents with updates, changes, affected components and postmortem, newest first;
    with their translations too when `translations` (by default: when the active language is
    not English)."""
    queryset = (queryset if queryset is not None else Incident.objects.all()).order_by(*order)
    extra = _translations() if translations is None else (["translations"] if translations else [])
    queryset = queryset.select_related("postmortem").prefetch_related(
        _timeline_prefetch(), _affected_prefetch(), "postmortem__remediation_items", *extra
    )
    return list(queryset[:limit] if limit else queryset)
