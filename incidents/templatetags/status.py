from __future__ import annotations

from django import template

from .. import localize, selectors, timefmt
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
    return selectors.latest_update(incident)


@register.filter
def uptime_of(table, component):
    """The `Uptime` of `component` in a table keyed by component pk."""
    return table.get(component.pk)


@register.filter
def localized(obj, field: str):
    """`obj.field` in the active language, English where there is no translation; the result
    knows whether it is a fallback, a machine translation or stale (see incidents.localize)."""
    return localize.localized(obj, field)
