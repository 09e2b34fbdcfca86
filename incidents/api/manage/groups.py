"""Component groups: list, create, read, change (name, description, members) and delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ... import services
from ... import statuspage_json as serializers
from ...models import ComponentGroup
from .. import schemas
from .common import components_named, requires
from .components import range_uptime

router = Router()


def _group(group_id: str) -> ComponentGroup:
    return get_object_or_404(ComponentGroup, public_id=group_id)


def _members(group: ComponentGroup) -> list[str]:
    return list(group.components.order_by("position", "name").values_list("public_id", flat=True))


# Group membership: the domain rule, to move into the services.


def _save_group(request, group: ComponentGroup, body: schemas.GroupRequest) -> ComponentGroup:
    fields = body.component_group
    if fields.name is not None:
        group.name = fields.name
    if body.description is not None:
        group.description = body.description
    with transaction.atomic():
        services.group_save(group, actor=request.user)
        if fields.components is not None:
            members = components_named(fields.components, field="components")
            services.group_set_members(group, members, actor=request.user)
    return group


# Endpoints


@router.get(
    "{page_id}/component-groups",
    response={200: list[schemas.ComponentGroup], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_componentgroup")
def list_groups(request, page_id: str, paging: Query[schemas.Paging]):
    groups = paging.of(ComponentGroup.objects.prefetch_related("components"))
    return [serializers.group(g, [c.public_id for c in g.components.all()]) for g in groups]


@router.post(
    "{page_id}/component-groups",
    response={201: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.add_componentgroup")
def create_group(request, page_id: str, body: schemas.GroupRequest):
    if not body.component_group.name:
        raise ValidationError({"name": "name is required."})
    group = _save_group(request, ComponentGroup(), body)
    return Status(201, serializers.group(group, _members(group)))


@router.get(
    "{page_id}/component-groups/{group_id}",
    response={200: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_componentgroup")
def get_group(request, page_id: str, group_id: str):
    group = _group(group_id)
    return serializers.group(group, _members(group))


@router.get(
    "{page_id}/component-groups/{group_id}/uptime",
    response={200: schemas.Uptime, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_componentgroup")
def group_uptime(
    request, page_id: str, group_id: str, start: str | None = None, end: str | None = None
):
    """A group's uptime is that of its least available member over the range."""
    group = _group(group_id)
    members = list(group.components.all())
    if not members:
        raise ValidationError("This group has no components.")
    return serializers.uptime(group, range_uptime(members, start, end))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/component-groups/{group_id}",
    response={200: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.change_componentgroup")
def update_group(request, page_id: str, group_id: str, body: schemas.GroupRequest):
    group = _save_group(request, _group(group_id), body)
    return serializers.group(group, _members(group))


@router.delete(
    "{page_id}/component-groups/{group_id}",
    response={200: schemas.ComponentGroup, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.delete_componentgroup")
def delete_group(request, page_id: str, group_id: str):
    """Answers the deleted group, as Statuspage does (its clients parse it)."""
    group = _group(group_id)
    shape = serializers.group(group, _members(group))
    services.group_delete(group, actor=request.user)
    return shape
