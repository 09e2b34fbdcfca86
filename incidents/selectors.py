"""Reads: what the public pages (and later the APIs) show.

Every selector issues a fixed number of queries however many components and incidents exist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, Prefetch, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import timefmt
from .localize import PageNotes, current_language, localized
from .models import (
    FINISHED_STATUSES,
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentComponent,
    IncidentKind,
    IncidentUpdate,
    MaintenanceStatus,
    Postmortem,
    UpdateComponentChange,
)
from .uptime import Uptime, component_uptime

# Overall indicators, as Statuspage names them, from harmless to worst.
INDICATORS = {
    "none": _("All Systems Operational"),
    "maintenance": _("Service Under Maintenance"),
    "minor": _("Minor Service Outage"),
    "major": _("Partial System Outage"),
    "critical": _("Major Service Outage"),
}
_INDICATOR_RANK = list(INDICATORS)
_COMPONENT_INDICATOR = {
    ComponentStatus.OPERATIONAL: "none",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "major",
    ComponentStatus.MAJOR_OUTAGE: "critical",
}


@dataclass(frozen=True)
class OverallStatus:
    indicator: str
    description: str


def overall_status(components, open_incidents) -> OverallStatus:
    """The page's status, derived from component statuses and open incidents' impact."""
    candidates = [_COMPONENT_INDICATOR[c.status] for c in components]
    candidates += [i.impact for i in open_incidents if i.impact != Impact.NONE]
    indicator = max(candidates, key=_INDICATOR_RANK.index, default="none")
    return OverallStatus(indicator, str(INDICATORS[indicator]))


@dataclass
class GroupView:
    group: ComponentGroup | None
    components: list[Component]

    @property
    def status(self) -> str:
        return ComponentStatus.worst(c.status for c in self.components)

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label


@dataclass
class DayView:
    date: date
    incidents: list[Incident] = field(default_factory=list)


@dataclass
class StatusPage:
    overall: OverallStatus
    groups: list[GroupView]
    open_incidents: list[Incident]
    days: list[DayView]
    active_maintenance: list[Incident] = field(default_factory=list)
    upcoming_maintenance: list[Incident] = field(default_factory=list)
    uptime: dict[int, Uptime] = field(default_factory=dict)


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


def _affected_prefetch() -> Prefetch:
    return Prefetch(
        "affected",
        queryset=IncidentComponent.objects.select_related("component__group"),
    )


def component_groups(components: list[Component]) -> list[GroupView]:
    """Visible components under their groups (taken from `select_related`), ungrouped first."""
    by_group: dict[ComponentGroup | None, list[Component]] = defaultdict(list)
    for component in components:
        if component.is_visible:
            by_group[component.group].append(component)
    views = [GroupView(None, by_group.pop(None))] if None in by_group else []
    ordered = sorted(by_group, key=lambda g: (g.position, g.name, g.pk))
    return views + [GroupView(group, by_group[group]) for group in ordered]


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
    components = list(components.select_related("group"))
    # Open incidents and unfinished maintenance in one go, told apart in Python.
    unfinished = list(
        incidents.exclude(status__in=FINISHED_STATUSES)
        .order_by("-started_at")
        .prefetch_related(_timeline_prefetch(), _affected_prefetch(), *_translations())
    )
    open_incidents = [i for i in unfinished if i.kind == IncidentKind.INCIDENT]
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
        days=_days(recent),
        active_maintenance=[m for m in maintenance if m.status != MaintenanceStatus.SCHEDULED],
        upcoming_maintenance=[m for m in maintenance if m.status == MaintenanceStatus.SCHEDULED],
        uptime=component_uptime(
            [c for view in groups for c in view.components],
            incidents=incidents if narrowed else None,
        ),
    )


def _days(incidents: list[Incident]) -> list[DayView]:
    """The last few days (empty ones too) and the days of the latest incidents, newest first."""
    today = timefmt.reference_date(timezone.now())
    days = {today - timedelta(days=n): DayView(today - timedelta(days=n))
            for n in range(settings.STATUS_RECENT_DAYS)}  # fmt: skip
    for incident in incidents:
        when = timefmt.reference_date(incident.started_at)
        days.setdefault(when, DayView(when)).incidents.append(incident)
    return sorted(days.values(), key=lambda d: d.date, reverse=True)


def incident_detail(public_id: str) -> Incident:
    """One incident with its timeline and affected components; raises Incident.DoesNotExist."""
    return (
        Incident.objects.select_related("postmortem")
        .prefetch_related(_timeline_prefetch(), _affected_prefetch(), *_translations())
        .get(public_id=public_id)
    )


@dataclass
class PostmortemView:
    """What the incident page shows of the postmortem: the published one, or that one is due."""

    postmortem: Postmortem | None
    pending: bool = False

    @property
    def items(self):
        return self.postmortem.remediation_items.all() if self.postmortem else []


def public_postmortem(incident: Incident) -> PostmortemView:
    """The incident's published postmortem, or a "pending" notice while a draft asks for one."""
    try:
        postmortem = incident.postmortem
    except Postmortem.DoesNotExist:
        return PostmortemView(None)
    if postmortem.is_published:
        return PostmortemView(postmortem)
    return PostmortemView(None, pending=postmortem.show_pending)


def translation_notes(incident: Incident, postmortem: PostmortemView) -> PageNotes:
    """What the incident page, in the active language, must tell about its translations:
    whether any text shown is an unreviewed machine translation, stale, or English only."""
    notes = PageNotes()
    for name in ("name", "summary"):
        notes.add(localized(incident, name))
    for update in incident.updates.all():
        notes.add(localized(update, "body"))
    if postmortem.postmortem is not None:
        for name in ("root_cause", "resolution", "body"):
            notes.add(localized(postmortem.postmortem, name))
        for item in postmortem.items:
            notes.add(localized(item, "description"))
    return notes


@dataclass
class MonthLink:
    month: date  # the first day
    count: int


@dataclass
class History:
    month: date
    entries: list[Incident]
    months: list[MonthLink]
    newer: date | None
    older: date | None
    components: list[Component]
    groups: list[ComponentGroup]


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


@dataclass
class TimelineRow:
    update: IncidentUpdate
    stamp: str


def timeline(incident: Incident) -> list[TimelineRow]:
    """The incident's updates, oldest first, each with its `UTC | PT` stamp."""
    updates = list(incident.updates.all())
    first_date = timefmt.reference_date(incident.started_at)
    stamps = timefmt.timeline([u.display_at for u in updates], first_date)
    return [TimelineRow(u, s) for u, s in zip(updates, stamps, strict=True)]


@dataclass
class AffectedComponent:
    component: Component
    status: str

    @property
    def label(self) -> str:
        return ComponentStatus(self.status).label


def affected_components(incident: Incident) -> list[AffectedComponent]:
    """Each affected component with the worst status this incident put it in."""
    worst: dict[int, str] = {row.component_id: row.status for row in incident.affected.all()}
    for update in incident.updates.all():
        for change in update.component_changes.all():
            if change.component_id in worst:
                worst[change.component_id] = ComponentStatus.worst(
                    [worst[change.component_id], change.new_status]
                )
    return [AffectedComponent(row.component, worst[row.component_id])
            for row in incident.affected.all()]  # fmt: skip


def latest_update(incident: Incident) -> IncidentUpdate | None:
    updates = list(incident.updates.all())
    return updates[-1] if updates else None


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
