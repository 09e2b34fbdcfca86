"""Uptime per component over the last days, derived from incidents' impact windows.

The rule (also in the README):

- An incident counts against a component from the start to the end of its impact window
  (`started_at`..`resolved_at`, or now while it is open), at the worst status it put that
  component in: major outage counts fully, partial outage at 30 % (as Statuspage counts it),
  degraded performance is shown but not counted. Maintenance never counts.
- Overlapping incidents on one component are not added up: at each instant the worst one counts.
- Days are calendar days of the reference zone (Pacific by default); today counts up to now.
  Days before a component's start date have no data and count neither way.
- Uptime = 1 - counted downtime ÷ observed time.

Computing it takes one query for all components, however many days and incidents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import timefmt
from .localize import current_language
from .models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentComponent,
    IncidentKind,
    UpdateComponentChange,
)

WEIGHTS = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
    ComponentStatus.DEGRADED_PERFORMANCE: 0.0,
}
SHOWN_STATUSES = tuple(WEIGHTS)  # from worst to mildest


@dataclass
class DayIncident:
    incident: Incident
    status: str

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label


@dataclass
class UptimeDay:
    date: date
    has_data: bool = True
    downtime: float = 0.0  # counted minutes, weighted
    minutes_by_status: dict[str, float] = field(default_factory=dict)
    incidents: list[DayIncident] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The worst status shown that day (operational when nothing happened)."""
        return next(
            (s for s in SHOWN_STATUSES if self.minutes_by_status.get(s)),
            ComponentStatus.OPERATIONAL,
        )

    @property
    def summary(self) -> str:
        """`March 3, 2024: Partial outage 2 h 10 min`, the day's text for the tooltip."""
        day = timefmt.full_day(self.date)
        if not self.has_data:
            return _("%(day)s: no data") % {"day": day}
        if not self.status_rows:
            return _("%(day)s: no downtime") % {"day": day}
        return f"{day}: {'; '.join(text for _status, text in self.status_rows)}"

    @property
    def status_rows(self) -> list[tuple[str, str]]:
        """(status, `Partial outage 2 h 10 min`) for each status shown that day, worst first."""
        return [
            (status, f"{ComponentStatus(status).label} {timefmt.length(minutes)}")
            for status in SHOWN_STATUSES
            if (minutes := self.minutes_by_status.get(status))
        ]


@dataclass
class Uptime:
    component: Component
    days: list[UptimeDay]
    ratio: float | None  # None without any observed day

    @property
    def percent(self) -> str:
        """`99.97 %`, rounded down so that any counted downtime never reads as 100 %."""
        if self.ratio is None:
            return _("no data")
        value = math.floor(self.ratio * 10000) / 100
        return _("%(value)s %%") % {"value": formats.number_format(value, 2)}


def _weighted_minutes(spans: list[tuple[datetime, datetime, float]]) -> float:
    """Minutes covered by `spans`, each instant counted once at the highest weight covering it."""
    points = sorted({p for start, end, _w in spans for p in (start, end)})
    total = 0.0
    for left, right in pairwise(points):
        weight = max((w for s, e, w in spans if s <= left and e >= right), default=0.0)
        total += weight * (right - left).total_seconds() / 60
    return total


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timefmt.reference_zone().tz
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def _worst_status_rows(since: datetime, now: datetime, incidents: QuerySet[Incident] | None):
    """Each (incident, component) pair whose impact window overlaps since..now, annotated with
    whether any update of the incident moved the component to each counted status."""
    queryset = IncidentComponent.objects.filter(
        Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gt=since),
        incident__kind=IncidentKind.INCIDENT,
        incident__draft=False,
        incident__started_at__lt=now,
    )
    if incidents is not None:
        queryset = queryset.filter(incident__in=incidents.values("pk"))
    for status in SHOWN_STATUSES:
        queryset = queryset.annotate(
            **{
                f"had_{status}": Exists(
                    UpdateComponentChange.objects.filter(
                        update__incident=OuterRef("incident"),
                        component=OuterRef("component"),
                        new_status=status,
                    )
                )
            }
        )
    if current_language() != settings.LANGUAGE_CODE:
        # The tooltips' incident names in the page's language (one query for all).
        queryset = queryset.prefetch_related("incident__translations")
    return queryset.select_related("incident").only(
        "component_id",
        "status",
        "incident__public_id",
        "incident__name",
        "incident__impact",
        "incident__started_at",
        "incident__resolved_at",
    )


def component_uptime(
    components: list[Component],
    *,
    days: int | None = None,
    now: datetime | None = None,
    incidents: QuerySet[Incident] | None = None,
) -> dict[int, Uptime]:
    """Uptime of each component (by pk) over the last `days` days (STATUS_UPTIME_DAYS),
    counting only `incidents` when given (a pod's page counts what it shows)."""
    days = days or settings.STATUS_UPTIME_DAYS
    now = now or timezone.now()
    today = timefmt.reference_date(now)
    dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = _day_bounds(dates[0])[0]

    # (component pk, date) -> [(start, end, status, incident)]
    spans: dict[tuple[int, date], list] = defaultdict(list)
    for row in _worst_status_rows(since, now, incidents):
        statuses = [row.status] + [s for s in SHOWN_STATUSES if getattr(row, f"had_{s}")]
        worst = ComponentStatus.worst(statuses)
        incident = row.incident
        start = max(incident.started_at, since)
        end = min(incident.resolved_at or now, now)
        day = timefmt.reference_date(start)
        while day <= today:
            day_start, day_end = _day_bounds(day)
            if day_start >= end:
                break
            spans[(row.component_id, day)].append(
                (max(start, day_start), min(end, day_end), worst, incident)
            )
            day += timedelta(days=1)

    # Minutes observed of each day: the same for every component (today only until now).
    observed_minutes = {}
    for day in dates:
        day_start, day_end = _day_bounds(day)
        observed_minutes[day] = (min(day_end, now) - day_start).total_seconds() / 60

    result = {}
    for component in components:
        pk = component.pk
        observed = counted = 0.0
        uptime_days = []
        for day in dates:
            if component.start_date and day < component.start_date:
                uptime_days.append(UptimeDay(day, has_data=False))
                continue
            observed += observed_minutes[day]
            view = UptimeDay(day)
            uptime_days.append(view)
            entries = spans.get((pk, day))
            if not entries:
                continue  # a quiet day, most of them
            seen = set()
            for _start, _end, status, incident in entries:
                if incident.pk not in seen:
                    seen.add(incident.pk)
                    view.incidents.append(DayIncident(incident, status))
            for status in SHOWN_STATUSES:
                of_status = [(s, e, 1.0) for s, e, st, _i in entries if st == status]
                if of_status:
                    view.minutes_by_status[status] = _weighted_minutes(of_status)
            view.downtime = _weighted_minutes([(s, e, WEIGHTS[st]) for s, e, st, _i in entries
                                               if st in WEIGHTS])  # fmt: skip
            counted += view.downtime
        ratio = max(0.0, 1 - counted / observed) if observed else None
        result[component.pk] = Uptime(component, uptime_days, ratio)
    return result


# Statuspage's uptime API: a range of at most six calendar months, from 1970 on.
EARLIEST = date(1970, 1, 1)
MAX_RANGE_MONTHS = 6


@dataclass
class RangeUptime:
    """The uptime of a component, or of a group's least available member, over a range."""

    start: date
    end: date
    ratio: float | None
    seconds: dict[str, float]  # time in each counted status (major_outage, partial_outage...)
    incidents: list[Incident]


def _partial_date(value: str, *, last: bool) -> date:
    """`2024`, `2024-03` or `2024-03-20`; a year or month means its first day (its last with
    `last`)."""
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(value)
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if last else 1)
    if len(parts) == 3:
        return date(year, month, int(parts[2]))
    if not last:
        return date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def uptime_range(
    components: list[Component],
    start: str | None = None,
    end: str | None = None,
    *,
    now: datetime | None = None,
) -> RangeUptime:
    """Uptime from `start` to `end` (partial dates, as Statuspage's API takes them; by default
    the last STATUS_UPTIME_DAYS days, from the latest start date), in the page's reference
    zone. Raises ValueError for a date that cannot be read, a range that ends before it
    starts, is longer than six calendar months, or begins before 1970."""
    now = now or timezone.now()
    today = timefmt.reference_date(now)
    end_day = _partial_date(end, last=True) if end else today
    if start:
        start_day = _partial_date(start, last=False)
    else:
        start_day = today - timedelta(days=settings.STATUS_UPTIME_DAYS - 1)
        dates = [c.start_date for c in components if c.start_date]
        start_day = max([start_day, *dates])
    end_day = min(end_day, today)
    months = (end_day.year - start_day.year) * 12 + end_day.month - start_day.month
    if start_day < EARLIEST or end_day < start_day:
        raise ValueError("range")
    if months > MAX_RANGE_MONTHS or (months == MAX_RANGE_MONTHS and end_day.day >= start_day.day):
        raise ValueError("range")
    until = min(now, _day_bounds(end_day)[1])
    found = component_uptime(
        components, days=(end_day - start_day).days + 1, now=until - timedelta(microseconds=1)
    )
    worst = min(found.values(), key=lambda u: u.ratio if u.ratio is not None else 2.0)
    seconds = {
        status: 60 * sum(day.minutes_by_status.get(status, 0.0) for day in worst.days)
        for status in SHOWN_STATUSES
    }
    incidents = {
        shown.incident.pk: shown.incident
        for uptime in found.values()
        for day in uptime.days
        for shown in day.incidents
    }
    return RangeUptime(start_day, end_day, worst.ratio, seconds, list(incidents.values()))
