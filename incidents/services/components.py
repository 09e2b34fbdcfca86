from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..events import Event, emit, snapshot, stored
from ..models import Component, ComponentGroup, ComponentStatus, UpdateComponentChange


def validate_component_status(status: str) -> None:
    if status not in ComponentStatus.values:
        raise ValidationError(
            {
                "status": _("“%(status)s” is not a component status. Use one of: %(values)s.")
                % {"status": status, "values": ", ".join(ComponentStatus.values)}
            }
        )


@transaction.atomic
def group_save(group: ComponentGroup, *, actor=None) -> ComponentGroup:
    """Creates or updates a component group after validating it."""
    before = stored(ComponentGroup, group.pk)
    group.full_clean()
    group.save()
    action = "group.update" if before else "group.create"
    emit(Event(action, group, actor=actor, before=before, after=snapshot(group)))
    return group


@transaction.atomic
def group_delete(group: ComponentGroup, *, actor=None) -> None:
    """Deletes an empty group; a group that still holds components is refused."""
    if group.components.exists():
        raise ValidationError(_("Move or delete the group's components before deleting it."))
    before = snapshot(group)
    emit(Event("group.delete", group, actor=actor, before=before))
    group.delete()


@transaction.atomic
def component_save(component: Component, *, actor=None) -> Component:
    """Creates or updates a component after validating every field, status included. A new
    component given no position goes after the last one of its group (as in Statuspage)."""
    validate_component_status(component.status)
    before = stored(Component, component.pk)
    if before is None and not component.position:
        last = Component.objects.filter(group=component.group).aggregate(Max("position"))
        if last["position__max"] is not None:
            component.position = last["position__max"] + 1
    component.full_clean()
    component.save()
    action = "component.update" if before else "component.create"
    emit(Event(action, component, actor=actor, before=before, after=snapshot(component)))
    return component


def components_move(targets: Mapping[int, str], *, update=None) -> list[tuple[Component, str, str]]:
    """Moves components (by pk) to their new statuses, locked, `updated_at` with them; with
    `update` (a timeline entry) each change is recorded on it, for the page and the mails.

    The one place a component's status is written. Returns (component, old, new) for each
    component whose status changed."""
    moved = []
    # FOR NO KEY UPDATE: rows inserted meanwhile that refer to a component (a change, an
    # affected row) check their foreign key at commit with FOR KEY SHARE, which FOR UPDATE
    # would block, so two writers of different incidents could deadlock on PostgreSQL.
    locked = Component.objects.select_for_update(no_key=True).in_bulk(list(targets))
    for pk, new_status in targets.items():
        component = locked[pk]
        if component.status == new_status:
            continue
        old_status = component.status
        if update is not None:
            UpdateComponentChange.objects.create(
                update=update, component=component, old_status=old_status, new_status=new_status
            )
        component.status = new_status
        component.save(update_fields=["status", "updated_at"])
        moved.append((component, old_status, new_status))
    return moved


@transaction.atomic
def component_set_status(
    component: Component, status: str, *, actor=None, cause: dict | None = None
) -> Component:
    """Puts one component in `status`; an unknown status is refused and changes nothing.

    `cause`, when automation made the change (e.g. the alert that fired), is recorded with
    it; such a change is announced as automatic."""
    validate_component_status(status)
    for moved, old_status, _new in components_move({component.pk: status}):
        after = {"status": status, **({"cause": cause} if cause else {})}
        emit(Event(
            "component.status", moved, actor=actor, before={"status": old_status},
            after=after, automatic=cause is not None,
        ))  # fmt: skip
    return Component.objects.get(pk=component.pk)


@transaction.atomic
def group_set_members(
    group: ComponentGroup, components: Iterable[Component], *, actor=None
) -> ComponentGroup:
    """Puts each of `components` in the group (moving it from any other); the group's other
    members stay. Each move is a component change, validated and audited as one."""
    for component in components:
        if component.group_id != group.pk:
            component.group = group
            component_save(component, actor=actor)
    return group


@transaction.atomic
def component_delete(component: Component, *, actor=None) -> None:
    """Deletes a component; incidents keep their text but no longer list it."""
    emit(Event("component.delete", component, actor=actor, before=snapshot(component)))
    component.delete()
