"""The generic payload, for scripts and systems with no webhook format of their own:

    {"component": "<component id or name>", "status": "<component status>",
     "summary": "..."}

`status` is a component status (`degraded_performance`, `partial_outage`, `major_outage`),
or `operational` / `resolved` when the problem is over. One alert per component: the next
payload naming that component replaces what the last one said.
"""

from __future__ import annotations

from incidents.models import ComponentStatus

from .common import MAX_SUMMARY, RawAlert, an_object, text
from .errors import PayloadError

FIELDS = {"component", "status", "summary"}
OVER = {"operational", "resolved"}
PROBLEMS = [
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
]


def parse(data, *, component_label: str) -> list[RawAlert]:
    payload = an_object(data, "The payload")
    unknown = sorted(set(payload) - FIELDS)
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise PayloadError(
            f"Unknown field(s) {names}; a generic payload has component, status and summary."
        )
    component = text(payload.get("component"), "component", required=True, limit=255)
    status = text(payload.get("status"), "status", required=True, limit=64)
    summary = text(payload.get("summary"), "summary", limit=MAX_SUMMARY)
    if status not in OVER and status not in PROBLEMS:
        allowed = ", ".join([*PROBLEMS, *sorted(OVER)])
        raise PayloadError(f"Unknown status {status[:64]!r}; use one of: {allowed}.")
    firing = status not in OVER
    return [
        RawAlert(
            fingerprint=None,  # one per component: set once the component is known
            firing=firing,
            component_ref=component,
            summary=summary,
            status=status if firing else None,
        )
    ]
