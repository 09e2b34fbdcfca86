from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Component, ComponentGroup, ComponentStatus
from .events import published, snapshot, stored


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
    published(action, group, actor=actor, before=before, after=snapshot(group))
    return group


@transaction.atomic
def group_delete(group: ComponentGroup, *, actor=None) -> None:
    """Deletes an empty group; a group that still holds components is refused."""
    if group.components.exists():
        raise ValidationError(_("Move or delete the group's components before deleting it."))
    before = snapshot(group)
    published("group.delete", group, actor=actor, before=before)
    group.delete()


@transaction.atomic
def component_save(component: Component, *, actor=None) -> Component:
    """Creates or updates a component after validating every field, status included."""
    validate_component_status(component.status)
    before = stored(Component, component.pk)
    component.full_clean()
    component.save()
    action = "component.update" if before else "component.create"
    published(action, component, actor=actor, before=before, after=snapshot(component))
    return component


@transaction.atomic
def component_set_status(component: Component, status: str, *, actor=None) -> Component:
    """Puts one component in `status`; an unknown status is refused and changes nothing."""
    validate_component_status(status)
    component = Component.objects.select_for_update().get(pk=component.pk)
    if component.status != status:
        before = {"status": component.status}
        component.status = status
        component.save(update_fields=["status", "updated_at"])
        published(
            "component.status", component, actor=actor, before=before, after={"status": status}
        )
    return component


@transaction.atomic
def component_delete(component: Component, *, actor=None) -> None:
    """Deletes a component; incidents keep their text but no longer list it."""
    published("component.delete", component, actor=actor, before=snapshot(component))
    component.delete()
