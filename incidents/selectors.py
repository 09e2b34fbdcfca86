"""Reads: what the public pages (and later the APIs) show.

Every selector issues a fixed number of queries however many components and incidents exist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import timefmt
from .models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentComponent,
    IncidentUpdate,
    UpdateComponentChange,
)

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


def _timeline_prefetch() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=IncidentUpdate.objects.order_by("display_at", "created_at").prefetch_related(
            Prefetch(
                "component_changes",
                queryset=UpdateComponentChange.objects.select_related("component"),
            )
        ),
    )


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


def status_page() -> StatusPage:
    """Everything `/` shows, in a fixed number of queries."""
    components = list(Component.objects.select_related("group"))
    open_incidents = list(
        Incident.objects.open()
        .order_by("-started_at")
        .prefetch_related(_timeline_prefetch(), _affected_prefetch())
    )
    recent = list(
        Incident.objects.closed()
        .order_by("-started_at")
        .prefetch_related(_timeline_prefetch())[: settings.STATUS_RECENT_INCIDENTS]
    )
    return StatusPage(
        overall=overall_status(components, open_incidents),
        groups=component_groups(components),
        open_incidents=open_incidents,
        days=_days(recent),
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
    return Incident.objects.prefetch_related(_timeline_prefetch(), _affected_prefetch()).get(
        public_id=public_id
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


def api_components() -> list[Component]:
    return list(Component.objects.select_related("group").order_by("position", "name"))


def api_incidents(queryset=None, limit: int | None = None) -> list[Incident]:
    """Incidents with updates, changes and affected components, newest first."""
    queryset = (queryset if queryset is not None else Incident.objects.all()).order_by(
        "-started_at", "-created_at"
    )
    queryset = queryset.prefetch_related(_timeline_prefetch(), _affected_prefetch())
    return list(queryset[:limit] if limit else queryset)
