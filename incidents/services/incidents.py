from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import automation
from ..events import Event, emit, snapshot
from ..models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentComponent,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from ..models.incidents import ReminderInterval
from .components import component_set_status, components_move, validate_component_status

ComponentChanges = Mapping[Component, str]


class _Unset:
    """An argument not given (`None` is a value: no promise)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def validate_interval(value, field: str) -> None:
    """An update's promise (`next_update_in`) or an incident's `reminder_interval`: one of
    the `ReminderInterval` minutes, or None."""
    if value is None:
        return
    if isinstance(value, bool) or value not in ReminderInterval.values:
        raise ValidationError(
            {
                field: _("Choose %(values)s minutes, or no promise.")
                % {"values": ", ".join(str(v) for v in ReminderInterval.values)}
            }
        )


def _promise(status: str, next_update_in, default: int | None) -> int | None:
    """What an update promises: `next_update_in` when given, else the incident's default; a
    resolving update promises nothing (and refuses a promise it is given)."""
    if next_update_in is UNSET:
        return None if status == IncidentStatus.RESOLVED else default
    validate_interval(next_update_in, "next_update_in")
    if next_update_in is not None and status == IncidentStatus.RESOLVED:
        raise ValidationError(
            {"next_update_in": _("A resolved incident promises no further update.")}
        )
    return next_update_in


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
    """The worst status that other open incidents and running maintenance hold `component` in;
    with none, what automation holds it in (monitoring's firing alerts), else operational.
    Drafts hold nothing."""
    held = list(
        IncidentComponent.objects.holding(component)
        .exclude(incident=incident)
        .values_list("status", flat=True)
    )
    if held:
        return ComponentStatus.worst(held)
    return automation.held_status(component) or ComponentStatus.OPERATIONAL


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
    next_update_in: int | None = None,
) -> IncidentUpdate:
    """Saves one validated timeline entry (incidents and maintenance alike); with
    `next_update_in` (minutes), it promises the next one that long after `display_at`."""
    update = IncidentUpdate(
        incident=incident,
        status=status,
        body=body.strip(),
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        author=actor if getattr(actor, "pk", None) else None,
        next_update_in=next_update_in,
        next_update_by=(display_at + timedelta(minutes=next_update_in) if next_update_in else None),
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
    next_update_in: int | None = None,
) -> tuple[IncidentUpdate, dict]:
    """Writes one timeline entry and the component statuses it sets; `incident` is locked.
    Returns the entry and what it changed, for the event the caller emits."""
    update = write_update(
        incident, status, body, display_at, deliver_notifications, actor, next_update_in
    )

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
    if next_update_in is not None:
        posted["next_update_in"] = next_update_in
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
    reminder_interval: int | None = None,
    next_update_in: int | _Unset | None = UNSET,
    actor=None,
) -> Incident:
    """Opens an incident with its first timeline entry.

    `components` maps each affected component to the status the incident puts it in; the
    impact follows the worst of them unless `impact_override` names one. `started_at` is when
    the impact began (defaults to the first update's time).

    `reminder_interval` (minutes, a `ReminderInterval`, or None) is what each update promises
    by default; `next_update_in` is the first update's own promise (None: none), by default
    the reminder interval. A resolved incident promises nothing.
    """
    components = components or {}
    _validate_update_input(status, body, components)
    validate_interval(reminder_interval, "reminder_interval")
    promise = _promise(status, next_update_in, reminder_interval)
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
        reminder_interval=reminder_interval,
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
        next_update_in=promise,
    )
    _announce(
        "incident.create", incident, update, actor=actor, before=None,
        after={**snapshot(incident), **posted},
    )  # fmt: skip
    incident.notification = update.notification
    return incident


def _refuse_stale(
    incident: Incident, expected_version: int | None, status: str, components: ComponentChanges
) -> None:
    """Refuses an update written against an older timeline when it would undo what was posted
    since.

    `expected_version` is the id of the latest timeline entry the poster saw (None: no check).
    Entries posted since do not refuse an update by themselves: it lands after them, in order.
    It is refused when it would move the status away from one set since, or set a component
    that an entry since moved, to another status. Changing what nobody changed meanwhile, or
    agreeing with what was changed, is no conflict.
    """
    if expected_version is None:
        return
    since = list(
        IncidentUpdate.objects.filter(incident=incident, pk__gt=expected_version)
        .select_related("author")
        .prefetch_related("component_changes__component")
        .order_by("pk")
    )
    if not since:
        return
    seen = (
        IncidentUpdate.objects.filter(incident=incident, pk=expected_version)
        .values_list("status", flat=True)
        .first()
    )
    conflicts = []
    if seen is not None and incident.status != seen and status != incident.status:
        conflicts.append(
            _("the incident is now “%(now)s” and yours would make it “%(new)s”")
            % {"now": incident.get_status_display(), "new": IncidentStatus(status).label}
        )
    moved = {}
    for update in since:
        for change in update.component_changes.all():
            moved[change.component_id] = change
    for component, new_status in components.items():
        change = moved.get(component.pk)
        if change is not None and change.new_status != new_status:
            conflicts.append(
                _("%(component)s is now “%(now)s” and yours would set it to “%(new)s”")
                % {
                    "component": change.component,
                    "now": change.get_new_status_display(),
                    "new": ComponentStatus(new_status).label,
                }
            )
    if not conflicts:
        return
    author = since[-1].author
    raise ValidationError(
        ngettext(
            "%(n)d update was posted while you were writing (the latest by %(author)s): "
            "%(conflicts)s. Yours was not published; check the incident as it is now and "
            "publish again.",
            "%(n)d updates were posted while you were writing (the latest by %(author)s): "
            "%(conflicts)s. Yours was not published; check the incident as it is now and "
            "publish again.",
            len(since),
        )
        % {
            "n": len(since),
            "author": author.get_username() if author else _("someone else"),
            "conflicts": "; ".join(conflicts),
        },
        code="stale",
    )


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
    next_update_in: int | _Unset | None = UNSET,
    reminder_interval: int | _Unset | None = UNSET,
    expected_version: int | None = None,
    actor=None,
) -> IncidentUpdate:
    """Adds an entry to an incident's timeline and moves the incident to `status`.

    A resolved incident takes no further update unless `reopen` is given with an open status.
    Resolving sets the end of the impact window (`resolved_at`, default now) and returns the
    incident's components to operational unless another open incident holds them.

    `next_update_in` (minutes, a `ReminderInterval`) promises the next update that long after
    this one; None promises none; not given, the incident's reminder interval applies.
    `reminder_interval`, when given, first changes that default (for this update and later
    ones). A resolving update promises nothing.

    `expected_version`, the id of the latest timeline entry the poster saw, refuses an update
    that would undo one posted since (see `_refuse_stale`).

    Posting on a draft publishes it: this is its first update (subscribers hear of a new
    incident), and the components it names that this update does not set are held in the
    status they are in now.
    """
    components = components or {}
    _validate_update_input(status, body, components)
    if reminder_interval is not UNSET:
        validate_interval(reminder_interval, "reminder_interval")
    incident = Incident.with_drafts.select_for_update().get(pk=incident.pk)
    _refuse_maintenance(incident)
    _refuse_stale(incident, expected_version, status, components)
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
    if reminder_interval is not UNSET:
        incident.reminder_interval = reminder_interval
    promise = _promise(status, next_update_in, incident.reminder_interval)
    publishing = incident.draft
    if publishing and not incident.impact_override:
        incident.impact = Impact.NONE  # the draft's was a suggestion: it follows what is held
    incident.draft = False
    incident.full_clean()
    incident.save()
    if publishing:
        _hold_as_they_are(incident, components)
    update, posted = _apply_update(
        incident,
        status=status,
        body=body,
        components=components,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        actor=actor,
        next_update_in=promise,
    )
    if reminder_interval is not UNSET:
        posted["reminder_interval"] = reminder_interval
    before = None
    if publishing:
        before, posted["draft"] = {"draft": True}, False
    _announce("incident.update", incident, update, actor=actor, before=before, after=posted)
    return update


def _hold_as_they_are(incident: Incident, components: ComponentChanges) -> None:
    """A draft's components were suggestions: once published, the incident holds each one
    the update does not set in the status the page shows for it now."""
    for row in incident.affected.select_related("component"):
        if row.component not in components and row.status != row.component.status:
            row.status = row.component.status
            row.save(update_fields=["status"])


@transaction.atomic
def incident_draft_open(
    *,
    name: str,
    components: ComponentChanges,
    started_at: datetime | None = None,
    actor=None,
    cause: dict | None = None,
) -> Incident:
    """Opens a draft incident for staff, as monitoring does when an alert fires.

    A draft is not on the status page, in the feeds or in the APIs, notifies nobody and holds
    no component (it moves none). `components` are the components it names, with the status
    suggested for each. A person publishes it by posting its first update (`update_post`);
    deleting it discards it. `cause` (the alert) is recorded with it.
    """
    if not components:
        raise ValidationError({"components": "A draft incident names at least one component."})
    for status in components.values():
        validate_component_status(status)
    now = timezone.now()
    incident = Incident(
        name=(name or "").strip()[:255],
        status=IncidentStatus.INVESTIGATING,
        draft=True,
        started_at=min(started_at or now, now),
        impact=impact_of(components.values()),
    )
    incident.full_clean()
    incident.save()
    IncidentComponent.objects.bulk_create(
        IncidentComponent(incident=incident, component=component, status=status)
        for component, status in components.items()
    )
    after = {
        **snapshot(incident),
        "draft": True,
        "components": {c.name: s for c, s in components.items()},
        **({"cause": cause} if cause else {}),
    }
    emit(
        Event("incident.draft", incident, actor=actor, after=after, public=False, notify=False,
              automatic=True)
    )  # fmt: skip
    return incident


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
    "reminder_interval",
)


@transaction.atomic
def incident_edit(incident: Incident, *, actor=None, **changes) -> Incident:
    """Edits an incident's published text or impact window; the status moves only by updates."""
    unknown = set(changes) - set(EDITABLE_INCIDENT_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    incident = Incident.with_drafts.select_for_update().get(pk=incident.pk)
    if "reminder_interval" in changes:
        validate_interval(changes["reminder_interval"], "reminder_interval")
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
        if update.next_update_in:
            # The promise counts from the time the entry shows.
            update.next_update_by = display_at + timedelta(minutes=update.next_update_in)
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
    """Deletes an incident (a draft: discards it); components it held go back to what other
    open incidents hold (a draft held none)."""
    incident = Incident.with_drafts.select_for_update().get(pk=incident.pk)
    if incident.holds_components:
        for row in incident.affected.select_related("component"):
            component_set_status(
                row.component, _status_held_elsewhere(row.component, incident), actor=actor
            )
    emit(Event("incident.delete", incident, actor=actor, before=snapshot(incident)))
    incident.delete()
