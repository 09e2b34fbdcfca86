from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import Event, emit, snapshot
from ..models import (
    ACTIVE_STATUSES,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentComponent,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from .components import component_set_status, components_move, validate_component_status

ComponentChanges = Mapping[Component, str]


def default_body(status: str) -> str:
    """The timeline's sentence for an incident update posted without a message (Statuspage
    takes those); empty for a status that is not an incident status."""
    if status not in IncidentStatus.values:
        return ""
    return str(IncidentStatus(status).label) + "."


def _validate_update_input(status: str, body: str, components: ComponentChanges) -> None:
    errors = {}
    if status not in IncidentStatus.values:
        errors["status"] = _("“%(status)s” is not an incident status. Use one of: %(values)s.") % {
            "status": status,
            "values": ", ".join(IncidentStatus.values),
        }
    if not body or not body.strip():
        errors["body"] = _("Write a message for the timeline.")
    if errors:
        raise ValidationError(errors)
    for status_value in components.values():
        validate_component_status(status_value)
        if status_value == ComponentStatus.UNDER_MAINTENANCE:
            # Only a scheduled maintenance puts components under maintenance (and takes them
            # out again when it completes); an incident that did would leave them there.
            raise ValidationError(
                {"components": _("Only a scheduled maintenance puts components under maintenance.")}
            )


def _status_held_elsewhere(component: Component, incident: Incident) -> str:
    """The worst status that other open incidents and running maintenance hold `component` in."""
    held = IncidentComponent.objects.filter(
        component=component, incident__status__in=ACTIVE_STATUSES
    ).exclude(incident=incident)
    return ComponentStatus.worst(held.values_list("status", flat=True))


IMPACT_OF_STATUS = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}


def impact_of(statuses) -> str:
    """Statuspage's rule: an incident's impact is that of the worst status it puts a
    component in (major outage: critical, partial: major, degraded: minor; else none)."""
    return IMPACT_OF_STATUS.get(ComponentStatus.worst(statuses), Impact.NONE)


def _held_impact(incident: Incident) -> str:
    """The impact of the statuses the incident holds its components in now."""
    return impact_of(incident.affected.values_list("status", flat=True))


def _follow_impact(incident: Incident) -> None:
    """Sets the impact from the components the incident holds, unless staff set it
    (`impact_override`). It rises when a later update worsens a component and does not fall
    when one recovers: the impact says how bad the incident was."""
    if incident.impact_override:
        impact = incident.impact_override
    else:
        impact = max(incident.impact, _held_impact(incident), key=Impact.severity)
    if impact != incident.impact:
        incident.impact = impact
        incident.save(update_fields=["impact", "updated_at"])


def _refuse_maintenance(incident: Incident) -> None:
    if incident.kind != IncidentKind.INCIDENT:
        raise ValidationError(
            _("This is a scheduled maintenance; use the maintenance actions to update it.")
        )


def write_update(
    incident: Incident,
    status: str,
    body: str,
    display_at: datetime,
    deliver_notifications: bool,
    actor,
) -> IncidentUpdate:
    """Saves one validated timeline entry (incidents and maintenance alike)."""
    update = IncidentUpdate(
        incident=incident,
        status=status,
        body=body.strip(),
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        author=actor if getattr(actor, "pk", None) else None,
    )
    update.full_clean(exclude=["incident"])
    update.save()
    return update


def _apply_update(
    incident: Incident,
    *,
    status: str,
    body: str,
    components: ComponentChanges,
    display_at: datetime,
    deliver_notifications: bool,
    actor,
) -> tuple[IncidentUpdate, dict]:
    """Writes one timeline entry and the component statuses it sets; `incident` is locked.
    Returns the entry and what it changed, for the event the caller emits."""
    update = write_update(incident, status, body, display_at, deliver_notifications, actor)

    targets = dict(components)
    if status == IncidentStatus.RESOLVED:
        # Components go back to operational, unless another open incident still holds them.
        for affected in incident.affected.select_related("component"):
            targets.setdefault(
                affected.component, _status_held_elsewhere(affected.component, incident)
            )

    for component, new_status in components.items():
        # What this incident now holds the component in; releasing components on resolution
        # leaves that record as it was.
        IncidentComponent.objects.update_or_create(
            incident=incident, component=component, defaults={"status": new_status}
        )
    moved = components_move({c.pk: new_status for c, new_status in targets.items()}, update=update)
    _follow_impact(incident)
    posted = {
        "status": status,
        "body": update.body,
        "components": {c.name: [old, new] for c, old, new in moved},
        "notify": deliver_notifications,
    }
    return update, posted


def _announce(action: str, incident: Incident, update: IncidentUpdate, *, actor, before, after):
    """The one event of a write that posted `update`; subscribers hear of it (staff review
    the audience first), and the notification recorded for it is set on the update."""
    recorded = emit(
        Event(action, incident, actor=actor, before=before, after=after, update=update,
              text_of=incident)
    )  # fmt: skip
    update.notification = recorded.get("notification")


@transaction.atomic
def incident_create(
    *,
    name: str,
    body: str,
    status: str = IncidentStatus.INVESTIGATING,
    impact_override: str = "",
    summary: str = "",
    components: ComponentChanges | None = None,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
    display_at: datetime | None = None,
    deliver_notifications: bool = True,
    backfilled: bool = False,
    metadata: dict | None = None,
    tweet_settings: dict | None = None,
    actor=None,
) -> Incident:
    """Opens an incident with its first timeline entry.

    `components` maps each affected component to the status the incident puts it in; the
    impact follows the worst of them unless `impact_override` names one. `started_at` is when
    the impact began (defaults to the first update's time).
    """
    components = components or {}
    _validate_update_input(status, body, components)
    display_at = display_at or timezone.now()
    incident = Incident(
        name=(name or "").strip(),
        status=status,
        impact=impact_override or Impact.NONE,
        impact_override=impact_override or "",
        summary=summary,
        started_at=started_at or display_at,
        backfilled=backfilled,
        metadata=metadata or {},
        tweet_settings=tweet_settings or {},
    )
    if status == IncidentStatus.RESOLVED:
        incident.resolved_at = resolved_at or display_at
    if status == IncidentStatus.MONITORING:
        incident.monitoring_at = display_at
    incident.full_clean()
    incident.save()
    update, posted = _apply_update(
        incident,
        status=status,
        body=body,
        components=components,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        actor=actor,
    )
    _announce(
        "incident.create", incident, update, actor=actor, before=None,
        after={**snapshot(incident), **posted},
    )  # fmt: skip
    incident.notification = update.notification
    return incident


@transaction.atomic
def update_post(
    incident: Incident,
    *,
    status: str,
    body: str,
    components: ComponentChanges | None = None,
    display_at: datetime | None = None,
    resolved_at: datetime | None = None,
    deliver_notifications: bool = True,
    reopen: bool = False,
    actor=None,
) -> IncidentUpdate:
    """Adds an entry to an incident's timeline and moves the incident to `status`.

    A resolved incident takes no further update unless `reopen` is given with an open status.
    Resolving sets the end of the impact window (`resolved_at`, default now) and returns the
    incident's components to operational unless another open incident holds them.
    """
    components = components or {}
    _validate_update_input(status, body, components)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _refuse_maintenance(incident)
    if reopen:
        if incident.is_open:
            raise ValidationError(_("This incident is not resolved, so it cannot be reopened."))
        if status == IncidentStatus.RESOLVED:
            raise ValidationError({"status": _("Reopen the incident with an open status.")})
        incident.resolved_at = None
    elif not incident.is_open:
        raise ValidationError(
            _("This incident is resolved. Reopen it before posting another update.")
        )
    display_at = display_at or timezone.now()
    if status == IncidentStatus.RESOLVED:
        incident.resolved_at = resolved_at or display_at
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = display_at
    incident.status = status
    incident.full_clean()
    incident.save()
    update, posted = _apply_update(
        incident,
        status=status,
        body=body,
        components=components,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        actor=actor,
    )
    _announce("incident.update", incident, update, actor=actor, before=None, after=posted)
    return update


def incident_resolve(incident: Incident, *, body: str, **kwargs) -> IncidentUpdate:
    """Posts the resolving update; see `update_post` for what resolving guarantees."""
    return update_post(incident, status=IncidentStatus.RESOLVED, body=body, **kwargs)


EDITABLE_INCIDENT_FIELDS = (
    "name",
    "impact_override",
    "summary",
    "started_at",
    "resolved_at",
    "backfilled",
    "metadata",
    "tweet_settings",
)


@transaction.atomic
def incident_edit(incident: Incident, *, actor=None, **changes) -> Incident:
    """Edits an incident's published text or impact window; the status moves only by updates."""
    unknown = set(changes) - set(EDITABLE_INCIDENT_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = snapshot(incident)
    for field, value in changes.items():
        setattr(incident, field, value)
    if "impact_override" in changes:
        # Set: it is the impact. Cleared: the impact follows the components it holds now.
        incident.impact = incident.impact_override or _held_impact(incident)
    incident.full_clean()
    incident.save()
    emit(
        Event("incident.edit", incident, actor=actor, before=before, after=snapshot(incident),
              text_of=incident)
    )  # fmt: skip
    return incident


@transaction.atomic
def update_edit(
    update: IncidentUpdate,
    *,
    body: str | None = None,
    display_at: datetime | None = None,
    actor=None,
) -> IncidentUpdate:
    """Corrects a published timeline entry's text or time."""
    update = IncidentUpdate.objects.select_for_update().get(pk=update.pk)
    before = snapshot(update, ["body", "display_at"])
    if body is not None:
        if not body.strip():
            raise ValidationError({"body": _("Write a message for the timeline.")})
        update.body = body.strip()
    if display_at is not None:
        update.display_at = display_at
    update.full_clean()
    update.save()
    after = snapshot(update, ["body", "display_at"])
    emit(
        Event("update.edit", update, actor=actor, before=before, after=after,
              text_of=update.incident)
    )  # fmt: skip
    return update


@transaction.atomic
def incident_delete(incident: Incident, *, actor=None) -> None:
    """Deletes an incident; components it held go back to what other open incidents hold."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.holds_components:
        for row in incident.affected.select_related("component"):
            component_set_status(
                row.component, _status_held_elsewhere(row.component, incident), actor=actor
            )
    emit(Event("incident.delete", incident, actor=actor, before=snapshot(incident)))
    incident.delete()
