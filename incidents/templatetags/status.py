from __future__ import annotations

from functools import lru_cache

from django import template
from django.template import Context
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

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
def uptime_of(table, component):
    """The `Uptime` of `component` in a table keyed by component pk."""
    return table.get(component.pk)


@register.simple_tag(takes_context=True)
def uptime_bars(context, up, component):
    """The day bars of one component's uptime.

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
        parts.append(f'<span class="{css}" title="{title}" aria-hidden="true"></span>')
    return mark_safe("".join(parts))


@lru_cache(maxsize=4096)
def _quiet_day_title(day, has_data: bool, language: str) -> str:
    """The escaped title of a day without incidents (the same for every component)."""
    from ..uptime import UptimeDay

    return conditional_escape(UptimeDay(date=day, has_data=has_data).summary)


@register.filter
def localized(obj, field: str):
    """`obj.field` in the active language, English where there is no translation; the result
    knows whether it is a fallback, a machine translation or stale (see incidents.localize)."""
    return localize.localized(obj, field)
