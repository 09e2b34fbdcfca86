"""Models to Statuspage's JSON shapes. Field names, nesting and value sets are Statuspage's.

One representation for every place that speaks Statuspage's JSON: the public and management
APIs, and the payloads of subscriber webhooks.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors, timefmt
from .indicators import OverallStatus
from .localize import translations_of
from .models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    Postmortem,
)
from .models.page import FIXED, THEME_COLOURS
from .uptime import RangeUptime


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as Statuspage writes it: 2024-03-20T20:59:00.000Z."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def page() -> dict:
    settings_of_page = Page.current()
    return {
        "id": settings.STATUSPAGE_PAGE_ID,
        "name": settings_of_page.name,
        "url": settings.SITE_URL,
        "time_zone": settings_of_page.time_zone,
        "updated_at": timestamp(selectors.page_updated_at()),
    }


def status(overall: OverallStatus) -> dict:
    """Statuspage's indicator ("maintenance" while components are under maintenance and nothing
    worse happens) and its own description of it."""
    return {"indicator": overall.indicator, "description": overall.description}


def incident_status(item: Incident) -> str:
    """An incident's status as Statuspage answers it: "postmortem" once its postmortem is
    published."""
    postmortem = _postmortem_of(item)
    if postmortem is not None and postmortem.is_published:
        return "postmortem"
    return item.status


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
    ordered: list[tuple[tuple, dict]] = []
    for item in items:
        if item.group_id:
            at = (item.group.position, item.group.name, 1, item.position, item.name)
        else:
            at = (item.position, item.name, 0)
        ordered.append((at, component(item)))
    for pk, found in groups.items():
        ordered.append(((found.position, found.name, 0), group_as_component(found, members[pk])))
    # In `position` order, as the page shows them: a group, then its members.
    return [row for _at, row in sorted(ordered, key=lambda pair: pair[0])]


def uptime(item: Component | ComponentGroup, found: RangeUptime) -> dict:
    """Statuspage's uptime of a component or group: the range, the percentage (rounded down,
    so that counted downtime never reads as 100), the seconds of each outage status."""
    start = datetime.combine(found.start, time.min, tzinfo=timefmt.reference_zone().tz)
    end = datetime.combine(found.end, time.max, tzinfo=timefmt.reference_zone().tz)
    ratio = found.ratio
    return {
        "id": item.public_id,
        "name": item.name,
        "range_start": timestamp(start),
        "range_end": timestamp(end),
        "uptime_percentage": math.floor(ratio * 10000) / 100 if ratio is not None else None,
        "major_outage": round(found.seconds.get(ComponentStatus.MAJOR_OUTAGE, 0)),
        "partial_outage": round(found.seconds.get(ComponentStatus.PARTIAL_OUTAGE, 0)),
        "warnings": None,
        "related_events": [{"id": incident.public_id} for incident in found.incidents],
    }


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
        "status": incident_status(item),
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "monitoring_at": timestamp(item.monitoring_at),
        "resolved_at": timestamp(item.resolved_at),
        "impact": "maintenance" if item.is_maintenance else item.impact,
        "shortlink": shortlink(item),
        # A maintenance "starts" when it is announced, in Statuspage's answers.
        "started_at": timestamp(item.created_at if item.is_maintenance else item.started_at),
        "page_id": settings.STATUSPAGE_PAGE_ID,
        "incident_updates": [incident_update(u, item, languages) for u in updates],
        "components": [component(affected.component) for affected in item.affected.all()],
    }
    if item.is_maintenance:
        row["scheduled_for"] = timestamp(item.scheduled_for)
        row["scheduled_until"] = timestamp(item.scheduled_until)
    if languages:
        row["translations"] = translations_of(item, ["name", "summary"], languages)
    return row


def postmortem_markdown(postmortem: Postmortem | None) -> str | None:
    """Our postmortem's sections as the one markdown body Statuspage clients expect."""
    if postmortem is None:
        return None
    parts = []
    if postmortem.root_cause:
        parts.append(f"## {_('Root cause analysis')}\n\n{postmortem.root_cause}")
    if postmortem.resolution:
        parts.append(f"## {_('Resolution')}\n\n{postmortem.resolution}")
    items = list(postmortem.remediation_items.all())
    if items:
        lines = "\n".join(f"- [{item.get_state_display()}] {item.description}" for item in items)
        parts.append(f"## {_('Remediation items')}\n\n{lines}")
    if postmortem.body:
        parts.append(postmortem.body)
    return "\n\n".join(parts) or None


def _postmortem_of(item: Incident) -> Postmortem | None:
    try:
        return item.postmortem
    except Postmortem.DoesNotExist:
        return None


def postmortem(item: Postmortem) -> dict:
    """Statuspage's postmortem object, plus our sections as additions."""
    text = postmortem_markdown(item)
    return {
        "preview_key": None,
        "body": text if item.is_published else None,
        "body_updated_at": timestamp(item.updated_at) if item.is_published else None,
        "body_draft": text,
        "body_draft_updated_at": timestamp(item.updated_at),
        "published_at": timestamp(item.published_at),
        "notify_subscribers": item.is_published,
        "notify_twitter": False,
        "custom_tweet": None,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "root_cause": item.root_cause,
        "resolution": item.resolution,
        "remediation_items": [
            {
                "description": entry.description,
                "state": entry.state,
                "owner": entry.owner or None,
                "due_date": day(entry.due_date),
            }
            for entry in item.remediation_items.all()
        ],
    }


# Statuspage's tweet settings of an incident or maintenance: kept and echoed; we do not tweet.
TWEET_FLAGS = (
    "auto_tweet_at_beginning",
    "auto_tweet_on_completion",
    "auto_tweet_on_creation",
    "auto_tweet_one_hour_before",
)


def reminder_intervals(item: Incident) -> str | None:
    """Statuspage's `reminder_intervals`: a JSON array of hours as a string. Ours is one
    interval, the incident's `reminder_interval` (e.g. 120 minutes: "[2]", 30: "[0.5]");
    null when it has none, and for a maintenance."""
    if not item.reminder_interval or item.is_maintenance:
        return None
    return reminder_hours(item.reminder_interval)


def reminder_hours(minutes: int) -> str:
    """An interval in minutes as Statuspage's `reminder_intervals`: 120 is "[2]"."""
    hours = minutes / 60
    return f"[{int(hours) if hours.is_integer() else hours}]"


def managed_incident(item: Incident) -> dict:
    """The management (v1) incident: the public fields plus Statuspage's management ones."""
    found = _postmortem_of(item)
    public_postmortem = found if found is not None and found.is_published else None
    maintenance = item.is_maintenance
    return {
        **incident(item),
        "impact_override": item.impact_override or None,
        "metadata": item.metadata,
        **{flag: bool(item.tweet_settings.get(flag, False)) for flag in TWEET_FLAGS},
        "postmortem_body": postmortem_markdown(public_postmortem),
        "postmortem_body_last_updated_at": timestamp(found.updated_at) if found else None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": public_postmortem is not None,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": timestamp(found.published_at) if found else None,
        "scheduled_for": timestamp(item.scheduled_for),
        "scheduled_until": timestamp(item.scheduled_until),
        "scheduled_remind_prior": maintenance and item.scheduled_remind_prior,
        "scheduled_reminded_at": timestamp(item.scheduled_reminded_at),
        "scheduled_auto_in_progress": maintenance and item.scheduled_auto_in_progress,
        "scheduled_auto_completed": maintenance and item.scheduled_auto_completed,
        "auto_transition_deliver_notifications_at_end": maintenance
        and item.scheduled_notify_at_end,
        "auto_transition_deliver_notifications_at_start": maintenance
        and item.scheduled_notify_at_start,
        "auto_transition_to_maintenance_state": maintenance and item.scheduled_auto_in_progress,
        "auto_transition_to_operational_state": maintenance and item.scheduled_auto_completed,
        "reminder_intervals": reminder_intervals(item),
    }


def template(item: IncidentTemplate) -> dict:
    return {
        "id": str(item.pk),
        "components": [component(c) for c in item.components.all()],
        "name": item.name,
        "title": item.title,
        "body": item.body,
        "group_id": None,
        "update_status": item.status,
        "should_tweet": False,
        "should_send_notifications": item.deliver_notifications,
    }


def subscriber(item) -> dict:
    """Statuspage's subscriber object (email or webhook), plus state and language."""
    webhook = item.mode == "webhook"
    return {
        "id": item.public_id,
        "skip_confirmation_notification": False,
        "mode": item.mode,
        "email": None if webhook else item.email,
        "endpoint": item.endpoint if webhook else None,
        "phone_number": None,
        "phone_country": None,
        "display_phone_number": None,
        "obfuscated_channel_name": None,
        "workspace_name": None,
        "quarantined_at": None,
        "purge_at": None,
        "components": [c.public_id for c in item.components.all()],
        "page_access_user_id": None,
        "created_at": timestamp(item.created_at),
        "state": item.state,
        "language": item.language,
    }


def managed_page(page: Page, *, domain: str) -> dict:
    """The page's settings as Statuspage's management API answers them, with every colour
    in effect."""
    theme = page.colours
    colours = {field: theme[prop] for field, prop in THEME_COLOURS.items()}
    return {
        "id": settings.STATUSPAGE_PAGE_ID,
        "created_at": timestamp(page.created_at),
        "updated_at": timestamp(page.updated_at),
        "name": page.name,
        "page_description": page.page_description or None,
        "headline": page.headline or None,
        "branding": page.branding,
        "subdomain": None,
        "domain": domain,
        "url": page.url or None,
        "support_url": page.support_url or None,
        "hidden_from_search": page.hidden_from_search,
        **{name: value for name, (value, _reason) in FIXED.items()},
        "allow_rss_atom_feeds": page.allow_rss_atom_feeds,
        "notifications_from_email": page.notifications_from_email or None,
        "notifications_email_footer": page.notifications_email_footer or None,
        "activity_score": 0.0,
        "twitter_username": None,
        "ip_restrictions": None,
        "city": None,
        "state": None,
        "country": None,
        "time_zone": page.time_zone,
        **colours,
        "favicon_logo": None,
        "transactional_logo": None,
        "hero_cover": None,
        "email_logo": None,
        "twitter_logo": None,
    }


def embed_config(page: Page) -> dict:
    """The banner's settings, with every colour in effect."""
    return {
        "page_id": settings.STATUSPAGE_PAGE_ID,
        "position": page.embed_position or None,
        **page.embed_colours,
    }
