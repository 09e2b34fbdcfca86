"""Management API, a Statuspage v1 compatible subset. Every write calls the same service as
the admin, so validation, notifications and the audit log apply equally."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Query, Router, Status

from .. import selectors, services
from ..models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    IncidentUpdate,
    MaintenanceStatus,
    Postmortem,
)
from ..notifications import services as notification_services
from ..notifications.models import (
    Notification,
    NotificationKind,
    NotificationState,
    Subscriber,
    SubscriberMode,
    SubscriberState,
)
from ..notifications.services import notification_confirm, summarize
from ..notifications.services import subscribers as subscriber_services
from ..services import maintenance as maintenance_services
from ..services import postmortems as postmortem_services
from ..services import templates as template_services
from ..services.incidents import default_body
from . import schemas, serializers
from .auth import OAuthKey

logger = logging.getLogger(__name__)
router = Router(auth=OAuthKey(), tags=["management"])


def _page(page_id: str) -> None:
    if page_id != settings.STATUSPAGE_PAGE_ID:
        raise Http404


def _require(request, *perms: str) -> None:
    if not any(request.user.has_perm(f"incidents.{perm}") for perm in perms):
        raise PermissionDenied("This key's user may not do that.")


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


def _day(value: str | None, field: str) -> date | None:
    """An ISO 8601 date, or None for an empty value; anything else is refused."""
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({field: f"{field} is not a valid date (YYYY-MM-DD)."})
    return parsed


# Components


def _component(component_id: str) -> Component:
    return get_object_or_404(Component.objects.select_related("group"), public_id=component_id)


def _group_by_id(group_id: str | None) -> ComponentGroup | None:
    if not group_id:
        return None
    group = ComponentGroup.objects.filter(public_id=group_id).first()
    if group is None:
        raise ValidationError({"group_id": "No component group has that id."})
    return group


@router.get(
    "{page_id}/components",
    response={200: list[schemas.Component], **schemas.ERRORS},
    exclude_unset=True,
)
def list_components(request, page_id: str, paging: Query[schemas.Paging]):
    _page(page_id)
    _require(request, "view_component")
    return [serializers.component(c) for c in paging.of(selectors.api_components())]


@router.post(
    "{page_id}/components", response={201: schemas.Component, **schemas.ERRORS}, exclude_unset=True
)
def create_component(request, page_id: str, body: schemas.ComponentRequest):
    _page(page_id)
    _require(request, "add_component")
    fields = body.component
    if not fields.name:
        raise ValidationError({"name": "name is required."})
    component = Component(
        name=fields.name,
        description=fields.description or "",
        status=fields.status or ComponentStatus.OPERATIONAL,
        group=_group_by_id(fields.group_id),
        showcase=True if fields.showcase is None else fields.showcase,
        only_show_if_degraded=bool(fields.only_show_if_degraded),
        start_date=_day(fields.start_date, "start_date"),
    )
    services.component_save(component, actor=request.user)
    return Status(201, serializers.component(component))


@router.get(
    "{page_id}/components/{component_id}",
    response={200: schemas.Component, **schemas.ERRORS},
    exclude_unset=True,
)
def get_component(request, page_id: str, component_id: str):
    _page(page_id)
    _require(request, "view_component")
    return serializers.component(_component(component_id))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/components/{component_id}",
    response={200: schemas.Component, **schemas.ERRORS},
    exclude_unset=True,
)
def update_component(request, page_id: str, component_id: str, body: schemas.ComponentRequest):
    _page(page_id)
    component = _component(component_id)
    changes = body.component.model_dump(exclude_unset=True)
    if set(changes) <= {"status"} and not request.user.has_perm("incidents.change_component"):
        _require(request, "set_component_status")
        if "status" in changes:
            component = services.component_set_status(
                component, changes["status"], actor=request.user
            )
        return serializers.component(Component.objects.get(pk=component.pk))
    _require(request, "change_component")
    for field, value in changes.items():
        if field == "group_id":
            component.group = _group_by_id(value)
        elif field == "start_date":
            component.start_date = _day(value, "start_date")
        elif field == "description":
            component.description = value or ""
        elif value is not None:
            setattr(component, field, value)
    services.component_save(component, actor=request.user)
    return serializers.component(component)


@router.delete(
    "{page_id}/components/{component_id}",
    response={204: None, **schemas.ERRORS},
    exclude_unset=True,
)
def delete_component(request, page_id: str, component_id: str):
    _page(page_id)
    _require(request, "delete_component")
    services.component_delete(_component(component_id), actor=request.user)
    return Status(204, None)


# Component groups


def _group(group_id: str) -> ComponentGroup:
    return get_object_or_404(ComponentGroup, public_id=group_id)


def _members(group: ComponentGroup) -> list[str]:
    return list(group.components.order_by("position", "name").values_list("public_id", flat=True))


def _save_group(request, group: ComponentGroup, body: schemas.GroupRequest) -> ComponentGroup:
    fields = body.component_group
    if fields.name is not None:
        group.name = fields.name
    if body.description is not None:
        group.description = body.description
    with transaction.atomic():
        services.group_save(group, actor=request.user)
        if fields.components is not None:
            members = list(Component.objects.filter(public_id__in=fields.components))
            if len(members) != len(set(fields.components)):
                raise ValidationError({"components": "Some component ids do not exist."})
            for member in members:
                member.group = group
                services.component_save(member, actor=request.user)
    return group


@router.get(
    "{page_id}/component-groups",
    response={200: list[schemas.ComponentGroup], **schemas.ERRORS},
    exclude_unset=True,
)
def list_groups(request, page_id: str):
    _page(page_id)
    _require(request, "view_componentgroup")
    groups = ComponentGroup.objects.prefetch_related("components")
    return [serializers.group(g, [c.public_id for c in g.components.all()]) for g in groups]


@router.post(
    "{page_id}/component-groups",
    response={201: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
def create_group(request, page_id: str, body: schemas.GroupRequest):
    _page(page_id)
    _require(request, "add_componentgroup")
    if not body.component_group.name:
        raise ValidationError({"name": "name is required."})
    group = _save_group(request, ComponentGroup(), body)
    return Status(201, serializers.group(group, _members(group)))


@router.get(
    "{page_id}/component-groups/{group_id}",
    response={200: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
def get_group(request, page_id: str, group_id: str):
    _page(page_id)
    _require(request, "view_componentgroup")
    group = _group(group_id)
    return serializers.group(group, _members(group))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/component-groups/{group_id}",
    response={200: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
def update_group(request, page_id: str, group_id: str, body: schemas.GroupRequest):
    _page(page_id)
    _require(request, "change_componentgroup")
    group = _save_group(request, _group(group_id), body)
    return serializers.group(group, _members(group))


@router.delete(
    "{page_id}/component-groups/{group_id}",
    response={204: None, **schemas.ERRORS},
    exclude_unset=True,
)
def delete_group(request, page_id: str, group_id: str):
    _page(page_id)
    _require(request, "delete_componentgroup")
    services.group_delete(_group(group_id), actor=request.user)
    return Status(204, None)


# Incidents


def _incident(incident_id: str) -> Incident:
    found = selectors.api_incidents(Incident.objects.filter(public_id=incident_id))
    if not found:
        raise Http404
    return found[0]


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


def _impact(fields: schemas.IncidentFields, statuses: dict[Component, str]) -> str:
    """The override when given, else derived from the worst component status, as Statuspage."""
    if fields.impact_override:
        return fields.impact_override
    worst = ComponentStatus.worst(statuses.values())
    return {
        ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
        ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
        ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    }.get(worst, Impact.NONE)


@router.get(
    "{page_id}/incidents",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
def list_incidents(request, page_id: str, paging: Query[schemas.Paging], q: str = ""):
    _page(page_id)
    _require(request, "view_incident")
    queryset = Incident.objects.all()
    if q:
        queryset = queryset.filter(name__icontains=q)
    items = selectors.api_incidents(queryset, limit=paging.start + paging.size)[paging.start :]
    return [serializers.managed_incident(i) for i in items]


@router.get(
    "{page_id}/incidents/unresolved",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
def unresolved_incidents(request, page_id: str):
    _page(page_id)
    _require(request, "view_incident")
    return _managed_list(Incident.objects.open())


def _managed_list(queryset, order=("-started_at", "-created_at")):
    return [serializers.managed_incident(i) for i in selectors.api_incidents(queryset, order=order)]


@router.get(
    "{page_id}/incidents/upcoming",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
def upcoming_maintenance(request, page_id: str):
    """Maintenance announced and not started yet, soonest first."""
    _page(page_id)
    _require(request, "view_incident")
    return _managed_list(Incident.objects.upcoming(), order=("scheduled_for",))


@router.get(
    "{page_id}/incidents/active_maintenance",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
def active_maintenance(request, page_id: str):
    _page(page_id)
    _require(request, "view_incident")
    return _managed_list(Incident.objects.active_maintenance(), order=("scheduled_for",))


@router.get(
    "{page_id}/incidents/scheduled",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
def scheduled_maintenance(request, page_id: str):
    """Every maintenance that is not completed: scheduled, in progress or verifying."""
    _page(page_id)
    _require(request, "view_incident")
    queryset = Incident.objects.maintenances().exclude(status=MaintenanceStatus.COMPLETED)
    return _managed_list(queryset, order=("scheduled_for",))


@router.post(
    "{page_id}/incidents",
    response={201: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
def create_incident(request, page_id: str, body: schemas.IncidentRequest):
    _page(page_id)
    _require(request, "add_incident")
    fields = body.incident
    if not fields.name:
        raise ValidationError({"name": "name is required."})
    if fields.scheduled_for or fields.status in MaintenanceStatus.values:
        _require(request, "add_maintenance")
        maintenance = _schedule_maintenance(request, fields)
        _confirm_notifications(request.user, Notification.objects.filter(incident=maintenance))
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
        impact=_impact(fields, statuses),
        body=fields.body or default_body(status),
        components=statuses,
        deliver_notifications=(
            not fields.backfilled
            and (True if fields.deliver_notifications is None else fields.deliver_notifications)
        ),
        actor=request.user,
        **kwargs,
    )
    _confirm_notifications(request.user, Notification.objects.filter(incident=incident))
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
        auto_in_progress=_first_set(
            fields.scheduled_auto_in_progress, fields.auto_transition_to_maintenance_state, True
        ),
        auto_completed=_first_set(
            fields.scheduled_auto_completed, fields.auto_transition_to_operational_state, True
        ),
        remind_prior=_first_set(fields.scheduled_remind_prior, True),
        deliver_notifications=_first_set(fields.deliver_notifications, True),
        actor=request.user,
    )


def _first_set(*values):
    """The first value given (not None); None when there is none."""
    return next((v for v in values if v is not None), None)


def _confirm_notifications(user, recorded) -> None:
    """The notifications this request recorded (`recorded`, a queryset) are confirmed by the
    key's user, as staff confirm them in the admin: the audience guard still holds wide or
    large sends for an incident manager's approval. A key whose user may not send leaves them
    for staff.

    Only this request's own: concurrent requests on one incident each confirm theirs. The
    write they belong to has committed, so a confirmation that cannot happen (staff confirmed
    it meanwhile, or the audience changed twice while it was counted) leaves the notification
    waiting in the admin rather than answering an error for a write that was saved.
    """
    if not user.has_perm("notifications.send_notification"):
        return
    for notification in recorded.filter(state=NotificationState.AWAITING_CONFIRMATION):
        for _attempt in range(2):
            try:
                notification_confirm(
                    notification, actor=user, expected_count=summarize(notification).total
                )
                break
            except ValidationError:
                notification.refresh_from_db(fields=["state"])
                if notification.state != NotificationState.AWAITING_CONFIRMATION:
                    break
        else:
            logger.warning("notification %s left for staff to confirm", notification.pk)


@router.get(
    "{page_id}/incidents/{incident_id}",
    response={200: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
def get_incident(request, page_id: str, incident_id: str):
    _page(page_id)
    _require(request, "view_incident")
    return serializers.managed_incident(_incident(incident_id))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/incidents/{incident_id}",
    response={200: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
def update_incident(request, page_id: str, incident_id: str, body: schemas.IncidentRequest):
    """Edits name/impact (managers) and, with `status`/`body`/`components`, posts an update.

    Like Statuspage, an open status on a resolved incident reopens it.
    """
    _page(page_id)
    incident = get_object_or_404(Incident, public_id=incident_id)
    fields = body.incident
    if incident.is_maintenance:
        update = _update_maintenance(request, incident, fields)
        _confirm_notifications(request.user, Notification.objects.filter(update=update))
        return serializers.managed_incident(_incident(incident_id))
    edits = {}
    if fields.name is not None and fields.name != incident.name:
        edits["name"] = fields.name
    if fields.impact_override is not None and fields.impact_override != incident.impact:
        edits["impact"] = fields.impact_override
    posts_update = any(v is not None for v in (fields.status, fields.body, fields.components,
                                               fields.component_ids))  # fmt: skip
    if edits:
        _require(request, "change_incident")
    if posts_update:
        _require(request, "add_incidentupdate")
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
            )
    _confirm_notifications(request.user, Notification.objects.filter(update=update))
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
        ("scheduled_auto_in_progress", _first_set(fields.scheduled_auto_in_progress,
                                                  fields.auto_transition_to_maintenance_state)),
        ("scheduled_auto_completed", _first_set(fields.scheduled_auto_completed,
                                                fields.auto_transition_to_operational_state)),
    ):  # fmt: skip
        if value is not None and value != getattr(maintenance, field):
            edits[field] = value
    touches_components = fields.components is not None or fields.component_ids is not None
    posts_update = fields.status is not None or fields.body is not None
    if edits or touches_components:
        _require(request, "change_maintenance")
    if posts_update:
        _require(request, "add_incidentupdate")
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
                deliver_notifications=_first_set(fields.deliver_notifications, True),
                actor=request.user,
            )
    return update


@router.delete(
    "{page_id}/incidents/{incident_id}",
    response={200: schemas.ManagedIncident, **schemas.ERRORS},
    exclude_unset=True,
)
def delete_incident(request, page_id: str, incident_id: str):
    _page(page_id)
    _require(request, "delete_incident")
    incident = _incident(incident_id)
    shape = serializers.managed_incident(incident)
    services.incident_delete(incident, actor=request.user)
    return shape


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/incidents/{incident_id}/incident_updates/{incident_update_id}",
    response={200: schemas.IncidentUpdate, **schemas.ERRORS},
    exclude_unset=True,
)
def update_incident_update(
    request, page_id: str, incident_id: str, incident_update_id: str, body: schemas.UpdateRequest
):
    _page(page_id)
    _require(request, "change_incidentupdate")
    update = get_object_or_404(
        IncidentUpdate.objects.select_related("incident"),
        public_id=incident_update_id,
        incident__public_id=incident_id,
    )
    fields = body.incident_update
    services.update_edit(
        update,
        body=fields.body,
        display_at=_when(fields.display_at, "display_at"),
        actor=request.user,
    )
    incident = _incident(incident_id)
    fresh = next(u for u in incident.updates.all() if u.pk == update.pk)
    return serializers.incident_update(fresh, incident)


# Postmortems


def _postmortem(incident_id: str) -> tuple[Incident, Postmortem]:
    incident = get_object_or_404(Incident.objects.incidents(), public_id=incident_id)
    found = (
        Postmortem.objects.filter(incident=incident).prefetch_related("remediation_items").first()
    )
    if found is None:
        raise Http404
    return incident, found


@router.get(
    "{page_id}/incidents/{incident_id}/postmortem",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
def get_postmortem(request, page_id: str, incident_id: str):
    _page(page_id)
    _require(request, "view_postmortem")
    return serializers.postmortem(_postmortem(incident_id)[1])


@router.put(
    "{page_id}/incidents/{incident_id}/postmortem",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
def save_postmortem_draft(request, page_id: str, incident_id: str, body: schemas.PostmortemRequest):
    """Creates or changes the draft. `body_draft` is the free text; `root_cause` and
    `resolution` (additions) fill the sections."""
    _page(page_id)
    _require(request, "change_postmortem")
    incident = get_object_or_404(Incident.objects.incidents(), public_id=incident_id)
    fields = body.postmortem
    postmortem_services.postmortem_save_draft(
        incident,
        root_cause=fields.root_cause,
        resolution=fields.resolution,
        body=fields.body_draft,
        actor=request.user,
    )
    return serializers.postmortem(_postmortem(incident_id)[1])


@router.put(
    "{page_id}/incidents/{incident_id}/postmortem/publish",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
def publish_postmortem(
    request, page_id: str, incident_id: str, body: schemas.PublishRequest | None = None
):
    """Publishes the draft (incident managers); subscribers who follow it are told, through
    the same review as every notification."""
    _page(page_id)
    _require(request, "publish_postmortem")
    started = timezone.now()
    incident, found = _postmortem(incident_id)
    postmortem_services.postmortem_publish(found, actor=request.user)
    recorded = Notification.objects.filter(
        incident=incident, kind=NotificationKind.POSTMORTEM_PUBLISHED, created_at__gte=started
    )
    _confirm_notifications(request.user, recorded)
    return serializers.postmortem(_postmortem(incident_id)[1])


@router.put(
    "{page_id}/incidents/{incident_id}/postmortem/revert",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
def revert_postmortem(request, page_id: str, incident_id: str):
    _page(page_id)
    _require(request, "publish_postmortem")
    postmortem_services.postmortem_revert(_postmortem(incident_id)[1], actor=request.user)
    return serializers.postmortem(_postmortem(incident_id)[1])


# Incident templates


@router.get(
    "{page_id}/incident_templates",
    response={200: list[schemas.Template], **schemas.ERRORS},
    exclude_unset=True,
)
def list_templates(request, page_id: str, paging: Query[schemas.Paging]):
    _page(page_id)
    _require(request, "view_incidenttemplate")
    items = IncidentTemplate.objects.prefetch_related("components__group").order_by("name")
    return [serializers.template(t) for t in paging.of(items)]


@router.post(
    "{page_id}/incident_templates",
    response={201: schemas.Template, **schemas.ERRORS},
    exclude_unset=True,
)
def create_template(request, page_id: str, body: schemas.TemplateRequest):
    _page(page_id)
    _require(request, "add_incidenttemplate")
    fields = body.template
    ids = fields.component_ids or []
    components = list(Component.objects.filter(public_id__in=ids))
    if len(components) != len(set(ids)):
        raise ValidationError({"component_ids": "Some component ids do not exist."})
    template = IncidentTemplate(
        name=fields.name,
        title=fields.title,
        body=fields.body,
        status=fields.update_status or IncidentStatus.INVESTIGATING,
        deliver_notifications=_first_set(fields.should_send_notifications, True),
    )
    template_services.incident_template_save(template, components=components, actor=request.user)
    return Status(201, serializers.template(template))


# Subscribers


def _subscriber(subscriber_id: str) -> Subscriber:
    return get_object_or_404(
        Subscriber.objects.prefetch_related("components"), public_id=subscriber_id
    )


@router.get(
    "{page_id}/subscribers",
    response={200: list[schemas.Subscriber], **schemas.ERRORS},
    exclude_unset=True,
)
def list_subscribers(
    request, page_id: str, paging: Query[schemas.Paging], q: str = "", state: str = ""
):
    _page(page_id)
    _require_subscribers(request, "view_subscriber")
    queryset = Subscriber.objects.prefetch_related("components").order_by("pk")
    if q:
        queryset = queryset.filter(email__icontains=q)
    if state:
        queryset = queryset.filter(state=state)
    return [serializers.subscriber(s) for s in paging.of(queryset)]


@router.post(
    "{page_id}/subscribers",
    response={201: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
def create_subscriber(request, page_id: str, body: schemas.SubscriberRequest):
    """Email subscribers get the double opt-in mail, as a sign-up on the page does: nothing
    else reaches them until they confirm. An `endpoint` makes a webhook subscriber (its
    signing secret is in the answer's `webhook_secret`, this once). SMS is not offered."""
    _page(page_id)
    _require_subscribers(request, "add_subscriber")
    fields = body.subscriber
    if fields.phone_number or fields.phone_country:
        raise ValidationError({"subscriber": "SMS subscribers are not offered."})
    if bool(fields.email) == bool(fields.endpoint):
        raise ValidationError({"subscriber": "Give either an email or a webhook endpoint."})
    ids = fields.component_ids or []
    components = list(Component.objects.filter(public_id__in=ids))
    if len(components) != len(set(ids)):
        raise ValidationError({"component_ids": "Some component ids do not exist."})
    if fields.endpoint:
        subscriber, secret = notification_services.webhook_subscriber_create(
            endpoint=fields.endpoint, components=components, actor=request.user
        )
        return Status(201, {**serializers.subscriber(subscriber), "webhook_secret": secret})
    subscriber_services.subscriber_request(
        email=fields.email, language=fields.language or "en", components=components
    )
    address = subscriber_services.normalize_email(fields.email)
    created = Subscriber.objects.get(mode=SubscriberMode.EMAIL, email=address)
    return Status(201, serializers.subscriber(created))


@router.post(
    "{page_id}/subscribers/unsubscribe",
    response={202: None, **schemas.ERRORS},
    exclude_unset=True,
)
def unsubscribe_subscribers(request, page_id: str, body: schemas.SubscriberIds):
    _page(page_id)
    _require_subscribers(request, "change_subscriber")
    with transaction.atomic():
        for subscriber in _subscribers_named(body.subscribers):
            subscriber_services.subscriber_unsubscribe(subscriber, actor=request.user)
    return Status(202, None)


@router.get(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
def get_subscriber(request, page_id: str, subscriber_id: str):
    _page(page_id)
    _require_subscribers(request, "view_subscriber")
    return serializers.subscriber(_subscriber(subscriber_id))


@router.delete(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
def delete_subscriber(request, page_id: str, subscriber_id: str):
    """Unsubscribes (the address is kept as unsubscribed, so it is never mailed again)."""
    _page(page_id)
    _require_subscribers(request, "change_subscriber")
    subscriber = subscriber_services.subscriber_unsubscribe(
        _subscriber(subscriber_id), actor=request.user
    )
    return serializers.subscriber(_subscriber(subscriber.public_id))


@router.post(
    "{page_id}/subscribers/{subscriber_id}/resend_confirmation",
    response={201: None, **schemas.ERRORS},
    exclude_unset=True,
)
def resend_confirmation(request, page_id: str, subscriber_id: str):
    """Sends a fresh confirmation link to a subscriber who has not confirmed yet."""
    _page(page_id)
    _require_subscribers(request, "change_subscriber")
    subscriber = _subscriber(subscriber_id)
    if subscriber.state != SubscriberState.PENDING or subscriber.mode != SubscriberMode.EMAIL:
        raise ValidationError({"subscriber": "Only a pending subscriber can be asked again."})
    subscriber_services.subscriber_request(
        email=subscriber.email,
        language=subscriber.language,
        components=list(subscriber.components.all()),
        incidents=list(subscriber.incidents.all()),
        incidents_only=subscriber.incidents_only,
    )
    return Status(201, None)


def _subscribers_named(ids: str) -> list[Subscriber]:
    wanted = [part.strip() for part in ids.split(",") if part.strip()]
    if not wanted:
        raise ValidationError({"subscribers": "Give subscriber ids, separated by commas."})
    found = list(Subscriber.objects.filter(public_id__in=wanted))
    if len(found) != len(set(wanted)):
        raise Http404
    return found


def _require_subscribers(request, perm: str) -> None:
    if not request.user.has_perm(f"notifications.{perm}"):
        raise PermissionDenied("This key's user may not do that.")
