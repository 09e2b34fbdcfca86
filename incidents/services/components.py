from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Component, ComponentGroup, ComponentStatus
from .events import published


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
    group.full_clean()
    group.save()
    published()
    return group


@transaction.atomic
def group_delete(group: ComponentGroup, *, actor=None) -> None:
    """Deletes an empty group; a group that still holds components is refused."""
    if group.components.exists():
        raise ValidationError(_("Move or delete the group's components before deleting it."))
    group.delete()
    published()


@transaction.atomic
def component_save(component: Component, *, actor=None) -> Component:
    """Creates or updates a component after validating every field, status included."""
    validate_component_status(component.status)
    component.full_clean()
    component.save()
    published()
    return component


@transaction.atomic
def component_set_status(component: Component, status: str, *, actor=None) -> Component:
    """Puts one component in `status`; an unknown status is refused and changes nothing."""
    validate_component_status(status)
    component = Component.objects.select_for_update().get(pk=component.pk)
    if component.status != status:
        component.status = status
        component.save(update_fields=["status", "updated_at"])
        published()
    return component


@transaction.atomic
def component_delete(component: Component, *, actor=None) -> None:
    """Deletes a component; incidents keep their text but no longer list it."""
    component.delete()
    published()
