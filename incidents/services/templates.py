"""Incident templates: prepared wording for new incidents and updates (staff-only: their
changes are audited but leave the public pages cached)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from ..events import Event, emit, snapshot, stored
from ..models import Component, IncidentTemplate


@transaction.atomic
def incident_template_save(
    template: IncidentTemplate, *, components: Iterable[Component] | None = None, actor=None
) -> IncidentTemplate:
    """Creates or updates a template after validating it (the status must be an incident's)."""
    before = stored(IncidentTemplate, template.pk)
    template.full_clean()
    template.save()
    if components is not None:
        template.components.set(components)
    action = "template.update" if before else "template.create"
    emit(
        Event(action, template, actor=actor, before=before, after=snapshot(template), public=False)
    )
    return template


@transaction.atomic
def incident_template_delete(template: IncidentTemplate, *, actor=None) -> None:
    """Deletes a template; incidents written from it keep their text."""
    emit(Event("template.delete", template, actor=actor, before=snapshot(template), public=False))
    template.delete()
