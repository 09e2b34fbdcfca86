"""Management API, a Statuspage v1 compatible subset. Every write calls the same service as
the admin, so validation, notifications and the audit log apply equally."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Router, Status

from .. import selectors, services
from ..models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    IncidentUpdate,
)
from . import schemas, serializers
from .auth import OAuthKey

router = Router(auth=OAuthKey(), tags=["management"])


def _page(page_id: str) -> None:
    if page_id != settings.STATUSPAGE_PAGE_ID:
        raise Http404


def _require(request, *perms: str) -> None:
    if not any(request.user.has_perm(f"incidents.{perm}") for perm in perms):
        raise PermissionDenied("This key's user may not do that.")


def _when(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        parsed = datetime(day.year, day.month, day.day) if day else None
    if parsed is None:
        raise ValidationError({field: f"{field} is not an ISO 8601 date or time."})
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
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
def list_components(request, page_id: str, page: int = 1, per_page: int = 100):
    _page(page_id)
    _require(request, "view_component")
    items = selectors.api_components()
    start = max(page - 1, 0) * per_page
    return [serializers.component(c) for c in items[start : start + per_page]]


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
        start_date=parse_date(fields.start_date) if fields.start_date else None,
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
            component.start_date = parse_date(value) if value else None
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
def list_incidents(request, page_id: str, q: str = "", limit: int = 100, page: int = 1):
    _page(page_id)
    _require(request, "view_incident")
    queryset = Incident.objects.all()
    if q:
        queryset = queryset.filter(name__icontains=q)
    limit = min(max(limit, 1), 100)
    offset = max(page - 1, 0) * limit
    items = selectors.api_incidents(queryset, limit=offset + limit)[offset:]
    return [serializers.managed_incident(i) for i in items]


@router.get(
    "{page_id}/incidents/unresolved",
    response={200: list[schemas.ManagedIncident], **schemas.ERRORS},
    exclude_unset=True,
)
def unresolved_incidents(request, page_id: str):
    _page(page_id)
    _require(request, "view_incident")
    items = selectors.api_incidents(Incident.objects.open())
    return [serializers.managed_incident(i) for i in items]


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
        body=fields.body or _default_body(status),
        components=statuses,
        deliver_notifications=(
            not fields.backfilled
            and (True if fields.deliver_notifications is None else fields.deliver_notifications)
        ),
        actor=request.user,
        **kwargs,
    )
    return Status(201, serializers.managed_incident(_incident(incident.public_id)))


def _default_body(status: str) -> str:
    """Statuspage accepts an update without a body; the timeline still needs a sentence."""
    return str(IncidentStatus(status).label) + "."


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
    with transaction.atomic():
        if edits:
            incident = services.incident_edit(incident, actor=request.user, **edits)
        if posts_update:
            status = fields.status or incident.status
            services.update_post(
                incident,
                status=status,
                body=fields.body or _default_body(status),
                components=_component_statuses(fields),
                deliver_notifications=(
                    True if fields.deliver_notifications is None else fields.deliver_notifications
                ),
                reopen=not incident.is_open and status != IncidentStatus.RESOLVED,
                actor=request.user,
            )
    return serializers.managed_incident(_incident(incident_id))


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
