"""The page's overall status: Statuspage's indicators, their labels, and the rule that derives
the indicator from the component statuses and the open incidents' impact."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import ComponentStatus, Impact

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
