"""Models to Statuspage's JSON shapes. Field names, nesting and value sets are Statuspage's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.urls import reverse

from .. import selectors
from ..localize import translations_of
from ..models import Component, ComponentGroup, ComponentStatus, Incident, IncidentUpdate
from ..selectors import OverallStatus


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as Statuspage writes it: 2024-03-20T20:59:00.000Z."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def page() -> dict:
    return {
        "id": settings.STATUSPAGE_PAGE_ID,
        "name": settings.STATUSPAGE_NAME,
        "url": settings.SITE_URL,
        "time_zone": "Etc/UTC",
        "updated_at": timestamp(selectors.page_updated_at()),
    }


def status(overall: OverallStatus) -> dict:
    indicator = "none" if overall.indicator == "maintenance" else overall.indicator
    return {"indicator": indicator, "description": overall.description}


def component(item: Component) -> dict:
    return {
        "id": item.public_id,
        "name": item.name,
        "status": item.status,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "position": item.position,
        "description": item.description or None,
        "showcase": item.showcase,
        "start_date": day(item.start_date),
        "group_id": item.group.public_id if item.group_id else None,
        "page_id": settings.STATUSPAGE_PAGE_ID,
        "group": False,
        "only_show_if_degraded": item.only_show_if_degraded,
    }


def group_as_component(group: ComponentGroup, members: list[Component]) -> dict:
    """Statuspage lists a group among the components, with `group: true` and its members' ids."""
    return {
        "id": group.public_id,
        "name": group.name,
        "status": ComponentStatus.worst(m.status for m in members),
        "created_at": timestamp(group.created_at),
        "updated_at": timestamp(group.updated_at),
        "position": group.position,
        "description": group.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": settings.STATUSPAGE_PAGE_ID,
        "group": True,
        "only_show_if_degraded": False,
        "components": [m.public_id for m in members],
    }


def components(items: list[Component]) -> list[dict]:
    """Components and groups in one list, ordered as the page shows them."""
    members: dict[int, list[Component]] = {}
    groups: dict[int, ComponentGroup] = {}
    for item in items:
        if item.group_id:
            members.setdefault(item.group_id, []).append(item)
            groups[item.group_id] = item.group
    rows = [component(item) for item in items]
    rows += [group_as_component(groups[pk], members[pk]) for pk in groups]
    return sorted(rows, key=lambda row: (row["group_id"] or row["id"], not row["group"]))


def group(item: ComponentGroup, member_ids: list[str]) -> dict:
    """The management API's component group."""
    return {
        "id": item.public_id,
        "page_id": settings.STATUSPAGE_PAGE_ID,
        "name": item.name,
        "description": item.description or None,
        "components": member_ids,
        "position": item.position,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def incident_update(update: IncidentUpdate, incident: Incident, languages=()) -> dict:
    changes = list(update.component_changes.all())
    row = {
        "id": update.public_id,
        "status": update.status,
        "body": update.body,
        "incident_id": incident.public_id,
        "created_at": timestamp(update.created_at),
        "updated_at": timestamp(update.updated_at),
        "display_at": timestamp(update.display_at),
        "affected_components": [
            {
                "code": change.component.public_id,
                "name": change.component.name,
                "old_status": change.old_status,
                "new_status": change.new_status,
            }
            for change in changes
        ]
        or None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }
    if languages:
        row["translations"] = translations_of(update, ["body"], languages)
    return row


def shortlink(item: Incident) -> str:
    return settings.SITE_URL + reverse("incidents:incident", args=[item.public_id])


def incident(item: Incident, languages=()) -> dict:
    """The public (v2) incident, newest update first as Statuspage orders them.

    With `languages`, the incident and each update carry `translations` in those languages:
    additions beside the English fields, which stay as they are.
    """
    updates = sorted(item.updates.all(), key=lambda u: (u.display_at, u.created_at), reverse=True)
    row = {
        "id": item.public_id,
        "name": item.name,
        "status": item.status,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "monitoring_at": timestamp(item.monitoring_at),
        "resolved_at": timestamp(item.resolved_at),
        "impact": item.impact,
        "shortlink": shortlink(item),
        "started_at": timestamp(item.started_at),
        "page_id": settings.STATUSPAGE_PAGE_ID,
        "incident_updates": [incident_update(u, item, languages) for u in updates],
        "components": [component(affected.component) for affected in item.affected.all()],
    }
    if languages:
        row["translations"] = translations_of(item, ["name", "summary"], languages)
    return row


def managed_incident(item: Incident) -> dict:
    """The management (v1) incident: the public fields plus Statuspage's management ones."""
    return {
        **incident(item),
        "impact_override": item.impact,
        "metadata": {},
        "postmortem_body": None,
        "postmortem_body_last_updated_at": None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": None,
        "scheduled_for": None,
        "scheduled_until": None,
        "scheduled_remind_prior": False,
        "scheduled_reminded_at": None,
        "scheduled_auto_in_progress": False,
        "scheduled_auto_completed": False,
        "auto_transition_deliver_notifications_at_end": False,
        "auto_transition_deliver_notifications_at_start": False,
        "auto_transition_to_maintenance_state": False,
        "auto_transition_to_operational_state": False,
        "reminder_intervals": None,
    }
