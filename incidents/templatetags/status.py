from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django import template
from django.template import Context
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import localize, timefmt, viewmodels
from ..markdown import render_markdown

register = template.Library()

register.filter("markdown", render_markdown, is_safe=True)
register.filter("stamp", timefmt.stamp)
register.filter("dated_stamp", timefmt.dated_stamp)
register.filter("day", timefmt.day)
register.filter("full_day", timefmt.full_day)
register.filter("month", timefmt.month)


@register.simple_tag
def scheduled_window(start, end):
    """The lines `START: ...` and `END: ...` of a maintenance window."""
    return timefmt.scheduled_window(start, end)


@register.simple_tag
def window(start, end):
    return timefmt.window(start, end)


@register.simple_tag
def duration(start, end):
    return timefmt.duration(start, end)


@register.filter
def duration_to(start, end):
    return timefmt.duration(start, end)


# A shape per status, so that status reads without colour too.
_ICONS = {
    "operational": "✓",
    "none": "✓",
    "resolved": "✓",
    "degraded_performance": "▲",
    "minor": "▲",
    "partial_outage": "◆",
    "major": "◆",
    "major_outage": "✕",
    "critical": "✕",
    "under_maintenance": "⚙",
    "maintenance": "⚙",
    "scheduled": "◷",
    "in_progress": "◐",
    "verifying": "◑",
    "completed": "✓",
    # Remediation items.
    "planned": "○",
    "done": "✓",
}


@register.filter
def status_icon(value: str) -> str:
    return _ICONS.get(value, "•")


@register.filter
def latest_update(incident):
    """The newest update of an incident whose updates were prefetched oldest first."""
    return viewmodels.latest_update(incident)


@register.filter
def incident_card(incident):
    """What the status page's card shows of an incident (see `viewmodels.IncidentCard`)."""
    return viewmodels.incident_card(incident)


@register.simple_tag
def reference_zone() -> str:
    """The tz database name of the zone whose calendar dates the stamps carry (Pacific)."""
    return timefmt.reference_zone().tz.key


@register.filter
def uptime_of(table, component):
    """The `Uptime` of `component` in a table keyed by component pk."""
    return table.get(component.pk)


@register.simple_tag(takes_context=True)
def uptime_bars(context, up, component):
    """The day bars of one component's uptime, each an image named by its day's summary
    (`April 4, 2024: no downtime`, `...: Major outage 50 min`, `...: no data`).

    Quiet days are written here directly: a page of 50 components has 4,500 of them, too
    many for a template loop, and their titles are formed once per date and language. Days
    with incidents (few) get the focusable tooltip of `_uptime_day.html`.
    """
    language = get_language()
    day_template = context.template.engine.get_template("incidents/_uptime_day.html")
    parts = []
    for index, day in enumerate(up.days, start=1):
        if day.incidents:
            parts.append(
                day_template.render(
                    Context(
                        {"day": day, "component": component, "index": index},
                        autoescape=context.autoescape,
                    )
                )
            )
            continue
        title = _quiet_day_title(day.date, day.has_data, language)
        css = "bar" if day.has_data else "bar bar-none"
        # The title names the image (for assistive technology) and shows on hover.
        parts.append(f'<span class="{css}" role="img" title="{title}"></span>')
    return mark_safe("".join(parts))


@lru_cache(maxsize=4096)
def _quiet_day_title(day, has_data: bool, language: str) -> str:
    """The escaped title of a day without incidents (the same for every component)."""
    from ..uptime import UptimeDay

    return conditional_escape(UptimeDay(date=day, has_data=has_data).summary)


@dataclass
class UptimeRow:
    """One row of an uptime table: a day with something to tell, or a run of quiet days."""

    first: date
    last: date
    statuses: list[tuple[str, str]]  # (status, `Partial outage 2 h 10 min`), worst first
    incidents: list
    has_data: bool = True

    @property
    def dates(self) -> str:
        if self.first == self.last:
            return timefmt.full_day(self.first)
        return _("%(first)s to %(last)s") % {
            "first": timefmt.full_day(self.first),
            "last": timefmt.full_day(self.last),
        }

    @property
    def quiet(self) -> bool:
        return not self.statuses and not self.incidents


@register.filter
def uptime_rows(up) -> list[UptimeRow]:
    """The days of `up`, oldest first, as table rows: each day with downtime or incidents on
    its own, and each run of quiet days (or of days without data) as one row, so that the
    table of 90 days stays a few rows long."""
    rows: list[UptimeRow] = []
    for day in up.days:
        if day.status_rows or day.incidents:
            incidents = [shown.incident for shown in day.incidents]
            rows.append(UptimeRow(day.date, day.date, day.status_rows, incidents))
            continue
        last = rows[-1] if rows else None
        if last is not None and last.quiet and last.has_data == day.has_data:
            last.last = day.date
        else:
            rows.append(UptimeRow(day.date, day.date, [], [], has_data=day.has_data))
    return rows


@register.filter
def localized(obj, field: str):
    """`obj.field` in the active language, English where there is no translation; the result
    knows whether it is a fallback, a machine translation or stale (see incidents.localize)."""
    return localize.localized(obj, field)
