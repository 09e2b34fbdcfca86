"""Components: list, create, read, change (or only set the status) and delete."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date
from ninja import Query, Router, Status

from ... import selectors, services
from ... import statuspage_json as serializers
from ...models import Component, ComponentGroup, ComponentStatus
from ...uptime import uptime_range
from .. import schemas
from .common import require, requires

router = Router()


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
@requires("incidents.view_component")
def list_components(request, page_id: str, paging: Query[schemas.Paging]):
    return [serializers.component(c) for c in paging.of(selectors.api_components())]


@router.post(
    "{page_id}/components", response={201: schemas.Component, **schemas.ERRORS}, exclude_unset=True
)
@requires("incidents.add_component")
def create_component(request, page_id: str, body: schemas.ComponentRequest):
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
@requires("incidents.view_component")
def get_component(request, page_id: str, component_id: str):
    return serializers.component(_component(component_id))


@router.get(
    "{page_id}/components/{component_id}/uptime",
    response={200: schemas.Uptime, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_component")
def component_uptime(
    request, page_id: str, component_id: str, start: str | None = None, end: str | None = None
):
    """Uptime over `start`..`end` (partial dates: 2024, 2024-03, 2024-03-20), at most six
    calendar months; by default the page's uptime window."""
    component = _component(component_id)
    return serializers.uptime(component, range_uptime([component], start, end))


def range_uptime(components: list[Component], start: str | None, end: str | None):
    try:
        return uptime_range(components, start, end)
    except ValueError:
        raise ValidationError(
            {"start": "Give start and end as YYYY, YYYY-MM or YYYY-MM-DD, from 1970 on, at most "
             "six calendar months apart, the end not before the start."}
        ) from None  # fmt: skip


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/components/{component_id}",
    response={200: schemas.Component, **schemas.ERRORS},
    exclude_unset=True,
)
def update_component(request, page_id: str, component_id: str, body: schemas.ComponentRequest):
    component = _component(component_id)
    changes = body.component.model_dump(exclude_unset=True)
    if set(changes) <= {"status"} and not request.user.has_perm("incidents.change_component"):
        require(request, "incidents.set_component_status")
        if "status" in changes:
            component = services.component_set_status(
                component, changes["status"], actor=request.user
            )
        return serializers.component(Component.objects.get(pk=component.pk))
    require(request, "incidents.change_component")
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
    response={200: schemas.Component, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.delete_component")
def delete_component(request, page_id: str, component_id: str):
    """Answers the deleted component, as Statuspage does (its clients parse it)."""
    component = _component(component_id)
    shape = serializers.component(component)
    services.component_delete(component, actor=request.user)
    return shape
