"""Incidents and maintenance: the lists (all, unresolved, upcoming, active, scheduled), create,
read, change (which posts an update when it names a status, a body or components) and delete."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Query, Router, Status

from ... import selectors, services
from ... import statuspage_json as serializers
from ...models import (
    Component,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
)
from ...models.incidents import ReminderInterval
from ...services import maintenance as maintenance_services
from ...services.incidents import default_body
from .. import schemas
from .common import confirm_notification, first_set, require, requires

router = Router()


def _when(value: str | None, field: str) -> datetime | None:
    """An ISO 8601 date or time (UTC when it names no offset); one that cannot be, such as
    February 30th or a 25-hour offset, is refused (the range is the models' to check)."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime(day.year, day.month, day.day)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({field: f"{field} is not a valid ISO 8601 date or time."})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _incident(incident_id: str) -> Incident:
    found = selectors.api_incidents(Incident.objects.filter(public_id=incident_id))
    if not found:
        raise Http404
    return found[0]


def _managed_page(queryset, paging: schemas.Paging, order=("-started_at", "-created_at")):
    items = selectors.api_incidents(queryset, limit=paging.start + paging.size, order=order)
    return [serializers.managed_incident(i) for i in paging.of(items)]


def _tweets(fields: schemas.IncidentFields, kept: dict | None = None) -> dict:
    """The tweet settings sent, over those kept (we do not tweet: they are echoed)."""
    sent = {flag: getattr(fields, flag) for flag in serializers.TWEET_FLAGS}
    return {**(kept or {}), **{flag: value for flag, value in sent.items() if value is not None}}


def _kept_extras(incident: Incident, fields: schemas.IncidentFields) -> dict:
    """The metadata and tweet settings sent that differ from those kept."""
    changed = {}
    if fields.metadata is not None and fields.metadata != incident.metadata:
        changed["metadata"] = fields.metadata
    tweets = _tweets(fields, incident.tweet_settings)
    if tweets != incident.tweet_settings:
        changed["tweet_settings"] = tweets
    return changed


def _component_statuses(fields: schemas.IncidentFields) -> dict[Component, str]:
    """`components` maps ids to new statuses; `component_ids` adds affected ones as they are."""
    wanted = dict(fields.components or {})
    ids = set(wanted) | set(fields.component_ids or [])
    found = {c.public_id: c for c in Component.objects.filter(public_id__in=ids)}
    missing = ids - set(found)
    if missing:
        unknown = ", ".join(sorted(missing))
        raise ValidationError({"components": f"Unknown component ids: {unknown}"})
    return {found[cid]: wanted.get(cid, found[cid].status) for cid in ids}


def _reminder_interval(value: str | None) -> int | None:
    """Statuspage's `reminder_intervals` (a JSON array of hours, as a string) as our one
    interval in minutes: "[2]" is 120; "[]" and null are none. Anything else is refused."""
    if value is None:
        return None
    try:
        hours = json.loads(value)
    except ValueError:
        hours = None
    if hours == []:
        return None
    allowed = {minutes / 60: minutes for minutes in ReminderInterval.values}
    if (
        isinstance(hours, list)
        and len(hours) == 1
        and isinstance(hours[0], int | float)
        and not isinstance(hours[0], bool)
        and hours[0] in allowed
    ):
        return allowed[hours[0]]
    choices = ", ".join(f'"{serializers.reminder_hours(m)}"' for m in allowed.values())
    raise ValidationError(
        {
            "reminder_intervals": f"reminder_intervals is one interval in hours: {choices}, "
            'or "[]" for none.'
        }
    )


def _refuse_reminders_on_maintenance(fields: schemas.IncidentFields) -> None:
    if _reminder_interval(fields.reminder_intervals) is not None:
        raise ValidationError(
            {"reminder_intervals": "A scheduled maintenance takes no reminder intervals."}
        )


# Lists


@router.get(
    "{page_id}/incidents",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incident")
def list_incidents(request, page_id: str, paging: Query[schemas.Paging], q: str = ""):
    """Newest first; `q` finds the words in the name, an update or the postmortem."""
    queryset = Incident.objects.all()
    if q:
        found = (
            Q(name__icontains=q)
            | Q(updates__body__icontains=q)
            | Q(postmortem__root_cause__icontains=q)
            | Q(postmortem__resolution__icontains=q)
            | Q(postmortem__body__icontains=q)
        )
        queryset = queryset.filter(pk__in=Incident.objects.filter(found).values("pk"))
    return _managed_page(queryset, paging)


@router.get(
    "{page_id}/incidents/unresolved",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incident")
def unresolved_incidents(request, page_id: str, paging: Query[schemas.Paging]):
    return _managed_page(Incident.objects.open(), paging)


@router.get(
    "{page_id}/incidents/upcoming",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incident")
def upcoming_maintenance(request, page_id: str, paging: Query[schemas.Paging]):
    """Maintenance announced and not started yet, soonest first."""
    return _managed_page(Incident.objects.upcoming(), paging, order=("scheduled_for",))


@router.get(
    "{page_id}/incidents/active_maintenance",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incident")
def active_maintenance(request, page_id: str, paging: Query[schemas.Paging]):
    return _managed_page(Incident.objects.active_maintenance(), paging, order=("scheduled_for",))


@router.get(
    "{page_id}/incidents/scheduled",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incident")
def scheduled_maintenance(request, page_id: str, paging: Query[schemas.Paging]):
    """Every maintenance that is not completed: scheduled, in progress or verifying."""
    queryset = Incident.objects.maintenances().exclude(status=MaintenanceStatus.COMPLETED)
    return _managed_page(queryset, paging, order=("scheduled_for",))


# Incidents and maintenance, one by one


@router.post(
    "{page_id}/incidents",
    response={201: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.add_incident")
def create_incident(request, page_id: str, body: schemas.IncidentRequest):
    fields = body.incident
    if not fields.name:
        raise ValidationError({"name": "name is required."})
    if fields.scheduled_for or fields.status in MaintenanceStatus.values:
        require(request, "incidents.add_maintenance")
        _refuse_reminders_on_maintenance(fields)
        maintenance = _schedule_maintenance(request, fields)
        confirm_notification(request.user, maintenance.notification)
        return Status(201, serializers.managed_incident(_incident(maintenance.public_id)))
    statuses = _component_statuses(fields)
    status = fields.status or IncidentStatus.INVESTIGATING
    kwargs = {}
    if fields.backfilled:
        when = _when(fields.backfill_date, "backfill_date")
        if when is None:
            raise ValidationError({"backfill_date": "A backfilled incident needs backfill_date."})
        status = IncidentStatus.RESOLVED
        kwargs = {"started_at": when, "display_at": when, "resolved_at": when, "backfilled": True}
    incident = services.incident_create(
        name=fields.name,
        status=status,
        impact_override=fields.impact_override or "",
        body=fields.body or default_body(status),
        components=statuses,
        deliver_notifications=(
            not fields.backfilled
            and (True if fields.deliver_notifications is None else fields.deliver_notifications)
        ),
        metadata=fields.metadata,
        tweet_settings=_tweets(fields),
        reminder_interval=_reminder_interval(fields.reminder_intervals),
        actor=request.user,
        **kwargs,
    )
    confirm_notification(request.user, incident.notification)
    return Status(201, serializers.managed_incident(_incident(incident.public_id)))


def _schedule_maintenance(request, fields: schemas.IncidentFields) -> Incident:
    if fields.status not in (None, MaintenanceStatus.SCHEDULED):
        raise ValidationError({"status": "A new maintenance starts as scheduled."})
    statuses = _component_statuses(fields)
    return maintenance_services.maintenance_schedule(
        name=fields.name,
        body=fields.body or "",
        scheduled_for=_when(fields.scheduled_for, "scheduled_for"),
        scheduled_until=_when(fields.scheduled_until, "scheduled_until"),
        components=list(statuses),
        auto_in_progress=first_set(
            fields.scheduled_auto_in_progress, fields.auto_transition_to_maintenance_state, True
        ),
        auto_completed=first_set(
            fields.scheduled_auto_completed, fields.auto_transition_to_operational_state, True
        ),
        remind_prior=first_set(fields.scheduled_remind_prior, True),
        notify_at_start=first_set(fields.auto_transition_deliver_notifications_at_start, True),
        notify_at_end=first_set(fields.auto_transition_deliver_notifications_at_end, True),
        metadata=fields.metadata,
        tweet_settings=_tweets(fields),
        deliver_notifications=first_set(fields.deliver_notifications, True),
        actor=request.user,
    )


@router.get(
    "{page_id}/incidents/{incident_id}",
    response={200: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incident")
def get_incident(request, page_id: str, incident_id: str):
    return serializers.managed_incident(_incident(incident_id))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/incidents/{incident_id}",
    response={200: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
def update_incident(request, page_id: str, incident_id: str, body: schemas.IncidentRequest):
    """Edits name/impact (managers) and, with `status`/`body`/`components`, posts an update.

    Like Statuspage, an open status on a resolved incident reopens it. `reminder_intervals`
    sent with an update changes the incident's default promise from that update on (whoever
    may post it); sent alone, it is an edit (managers).
    """
    incident = get_object_or_404(Incident, public_id=incident_id)
    fields = body.incident
    if incident.is_maintenance:
        _refuse_reminders_on_maintenance(fields)
        update = _update_maintenance(request, incident, fields)
        confirm_notification(request.user, update.notification if update else None)
        return serializers.managed_incident(_incident(incident_id))
    edits = {}
    if fields.name is not None and fields.name != incident.name:
        edits["name"] = fields.name
    if fields.impact_override is not None and fields.impact_override != incident.impact_override:
        edits["impact_override"] = fields.impact_override
    edits.update(_kept_extras(incident, fields))
    posts_update = any(v is not None for v in (fields.status, fields.body, fields.components,
                                               fields.component_ids))  # fmt: skip
    reminders = {}
    if "reminder_intervals" in fields.model_fields_set:
        interval = _reminder_interval(fields.reminder_intervals)
        if posts_update:
            reminders["reminder_interval"] = interval
        elif interval != incident.reminder_interval:
            edits["reminder_interval"] = interval
    if edits:
        require(request, "incidents.change_incident")
    if posts_update:
        require(request, "incidents.add_incidentupdate")
    update = None
    with transaction.atomic():
        if edits:
            incident = services.incident_edit(incident, actor=request.user, **edits)
        if posts_update:
            status = fields.status or incident.status
            update = services.update_post(
                incident,
                status=status,
                body=fields.body or default_body(status),
                components=_component_statuses(fields),
                deliver_notifications=(
                    True if fields.deliver_notifications is None else fields.deliver_notifications
                ),
                reopen=not incident.is_open and status != IncidentStatus.RESOLVED,
                actor=request.user,
                **reminders,
            )
    confirm_notification(request.user, update.notification if update else None)
    return serializers.managed_incident(_incident(incident_id))


def _update_maintenance(
    request, maintenance: Incident, fields: schemas.IncidentFields
) -> IncidentUpdate | None:
    """Window, name and automation edits (managers), components before the start, and a
    status or body as a timeline entry (returned, when one was posted)."""
    update = None
    edits = {}
    for field, value in (
        ("name", fields.name),
        ("scheduled_for", _when(fields.scheduled_for, "scheduled_for")),
        ("scheduled_until", _when(fields.scheduled_until, "scheduled_until")),
        ("scheduled_remind_prior", fields.scheduled_remind_prior),
        ("scheduled_auto_in_progress", first_set(fields.scheduled_auto_in_progress,
                                                 fields.auto_transition_to_maintenance_state)),
        ("scheduled_auto_completed", first_set(fields.scheduled_auto_completed,
                                               fields.auto_transition_to_operational_state)),
        ("scheduled_notify_at_start", fields.auto_transition_deliver_notifications_at_start),
        ("scheduled_notify_at_end", fields.auto_transition_deliver_notifications_at_end),
    ):  # fmt: skip
        if value is not None and value != getattr(maintenance, field):
            edits[field] = value
    edits.update(_kept_extras(maintenance, fields))
    touches_components = fields.components is not None or fields.component_ids is not None
    posts_update = fields.status is not None or fields.body is not None
    if edits or touches_components:
        require(request, "incidents.change_maintenance")
    if posts_update:
        require(request, "incidents.add_incidentupdate")
    with transaction.atomic():
        if edits:
            maintenance = maintenance_services.maintenance_edit(
                maintenance, actor=request.user, **edits
            )
        if touches_components:
            maintenance_services.maintenance_set_components(
                maintenance, list(_component_statuses(fields)), actor=request.user
            )
        if posts_update:
            update = maintenance_services.maintenance_update_post(
                maintenance,
                status=fields.status or maintenance.status,
                body=fields.body or "",
                deliver_notifications=first_set(fields.deliver_notifications, True),
                actor=request.user,
            )
    return update


@router.delete(
    "{page_id}/incidents/{incident_id}",
    response={200: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.delete_incident")
def delete_incident(request, page_id: str, incident_id: str):
    incident = _incident(incident_id)
    shape = serializers.managed_incident(incident)
    services.incident_delete(incident, actor=request.user)
    return shape
