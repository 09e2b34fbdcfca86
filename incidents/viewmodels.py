"""What the public pages show, shaped for their templates, and the functions that shape it.

The reads that load these objects, with the relations they follow prefetched, are in
`selectors`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import timefmt
from .indicators import OverallStatus
from .localize import LocalizedText, PageNotes, current_language, localized
from .models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentUpdate,
    Postmortem,
)
from .uptime import Uptime

# The status page (`/`, and a pod's page).

# While an incident is open the page asks for news this often (seconds), when it is in view.
REFRESH_SECONDS = 60


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
    rendered_at: datetime | None = None  # the page says "Updated ..." with it

    @property
    def refresh_seconds(self) -> int | None:
        """How often the page refreshes itself: only while an incident is open."""
        return REFRESH_SECONDS if self.open_incidents else None

    @cached_property
    def translation(self) -> PageNotes:
        """What the page, in the active language, must tell about the incident texts it
        shows (names and latest updates): machine-translated, stale, or English only."""
        notes = PageNotes()
        shown = [*self.open_incidents, *self.active_maintenance, *self.upcoming_maintenance]
        shown += [incident for day in self.days for incident in day.incidents]
        for incident in shown:
            card = incident_card(incident)
            for text in (card.name, card.body):
                if text is not None:
                    notes.add(text)
        return notes


def by_severity(incidents: Iterable[Incident]) -> list[Incident]:
    """Open incidents in the order the status page lists them: the worst impact first
    (critical, major, minor, none), then the most recently started first (what a reader
    arriving now most likely came for)."""
    return sorted(
        incidents,
        key=lambda i: (-Impact.severity(i.impact), -i.started_at.timestamp(), -i.pk),
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


def recent_days(incidents: list[Incident]) -> list[DayView]:
    """The last few days (empty ones too) and the days of the latest incidents, newest first."""
    today = timefmt.reference_date(timezone.now())
    days = {today - timedelta(days=n): DayView(today - timedelta(days=n))
            for n in range(settings.STATUS_RECENT_DAYS)}  # fmt: skip
    for incident in incidents:
        when = timefmt.reference_date(incident.started_at)
        days.setdefault(when, DayView(when)).incidents.append(incident)
    return sorted(days.values(), key=lambda d: d.date, reverse=True)


@dataclass
class IncidentCard:
    """What a card of the status page tells of one incident, in the active language: its
    name, the latest update and, while it is open, its components in their current state."""

    incident: Incident
    name: LocalizedText
    latest: IncidentUpdate | None
    body: LocalizedText | None
    affected: list[AffectedComponent]
    notes: PageNotes

    @property
    def impact_label(self) -> str:
        return Impact(self.incident.impact).label


def incident_card(incident: Incident) -> IncidentCard:
    """The card of an incident whose updates (oldest first), translations and, when it is
    open, affected components were prefetched; kept on the incident for the request."""
    cached = incident.__dict__.get("_card")
    if cached is not None and cached[0] == current_language():
        return cached[1]
    notes = PageNotes()
    latest = latest_update(incident)
    card = IncidentCard(
        incident=incident,
        name=notes.add(localized(incident, "name")),
        latest=latest,
        body=notes.add(localized(latest, "body")) if latest else None,
        affected=current_components(incident) if incident.is_open else [],
        notes=notes,
    )
    incident.__dict__["_card"] = (current_language(), card)
    return card


def current_components(incident: Incident) -> list[AffectedComponent]:
    """Each component the incident affects, in the state it is in now."""
    return [AffectedComponent(row.component, row.component.status)
            for row in incident.affected.all()]  # fmt: skip


# The incident page.


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
    """The newest update of an incident whose updates were prefetched oldest first."""
    updates = list(incident.updates.all())
    return updates[-1] if updates else None


# The history page.


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


def more_info_links(page) -> list[tuple[str, str]]:
    """The "for more information" block of an incident: the status page, and support when
    the page has a support link."""
    links = [(_("Current system status"), settings.SITE_URL + "/")]
    if page.support_url:
        links.append((_("Contact support"), page.support_url))
    return links
