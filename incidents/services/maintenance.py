"""Scheduled maintenance: announce, start, verify, complete, remind.

A maintenance is an `Incident` of kind "maintenance" (as in Statuspage) with a window
(`scheduled_for`..`scheduled_until`) and the statuses scheduled → in progress → verifying →
completed. Every transition is claimed with a conditional UPDATE on the current status, so two
schedulers (or a scheduler and a person) can never start or complete one maintenance twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import Event, emit, snapshot
from ..models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentComponent,
    IncidentKind,
    IncidentUpdate,
    MaintenanceStatus,
)
from .components import components_move
from .incidents import _status_held_elsewhere, write_update

S = MaintenanceStatus
# Which status may follow which; posting the same status again adds a note to the timeline.
TRANSITIONS: dict[str, set[str]] = {
    S.SCHEDULED: {S.SCHEDULED, S.IN_PROGRESS},
    S.IN_PROGRESS: {S.IN_PROGRESS, S.VERIFYING, S.COMPLETED},
    S.VERIFYING: {S.IN_PROGRESS, S.VERIFYING, S.COMPLETED},
    S.COMPLETED: set(),
}


def default_body(status: str) -> str:
    """The timeline's sentence for a maintenance step posted without a message (Statuspage
    takes those); empty for a status that is not a maintenance status."""
    return {
        S.SCHEDULED: _("This maintenance is scheduled; the window is shown above."),
        S.IN_PROGRESS: _("Scheduled maintenance is in progress. We will post when it is done."),
        S.VERIFYING: _("The maintenance work is done; we are verifying the results."),
        S.COMPLETED: _("The scheduled maintenance has been completed."),
    }.get(status, "")


def reminder_lead() -> timedelta:
    """How long before the start the reminder goes out (STATUS_MAINTENANCE_REMINDER)."""
    return timedelta(minutes=settings.STATUS_MAINTENANCE_REMINDER)


def _validate_window(scheduled_for: datetime | None, scheduled_until: datetime | None) -> None:
    if scheduled_for is None or scheduled_until is None:
        raise ValidationError(_("A maintenance needs both a start and an end."))
    if scheduled_until <= scheduled_for:
        raise ValidationError({"scheduled_until": _("The maintenance must end after it starts.")})


def _refuse_incident(maintenance: Incident) -> None:
    if maintenance.kind != IncidentKind.MAINTENANCE:
        raise ValidationError(_("This is an incident, not a scheduled maintenance."))


@transaction.atomic
def maintenance_schedule(
    *,
    name: str,
    body: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    components: Iterable[Component] = (),
    summary: str = "",
    auto_in_progress: bool = True,
    auto_completed: bool = True,
    remind_prior: bool = True,
    notify_at_start: bool = True,
    notify_at_end: bool = True,
    deliver_notifications: bool = True,
    display_at: datetime | None = None,
    metadata: dict | None = None,
    tweet_settings: dict | None = None,
    actor=None,
) -> Incident:
    """Announces a maintenance window with its first update (status "scheduled").

    The components are recorded as going under maintenance, but keep their status until the
    maintenance starts. A window that ends before it starts, or is already over, is refused.
    """
    _validate_window(scheduled_for, scheduled_until)
    now = timezone.now()
    if scheduled_until <= now:
        raise ValidationError({"scheduled_until": _("This window is already over.")})
    body = (body or "").strip() or default_body(S.SCHEDULED)
    maintenance = Incident(
        kind=IncidentKind.MAINTENANCE,
        name=(name or "").strip(),
        status=S.SCHEDULED,
        impact="none",
        summary=summary,
        started_at=scheduled_for,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        scheduled_auto_in_progress=auto_in_progress,
        scheduled_auto_completed=auto_completed,
        scheduled_remind_prior=remind_prior,
        scheduled_notify_at_start=notify_at_start,
        scheduled_notify_at_end=notify_at_end,
        metadata=metadata or {},
        tweet_settings=tweet_settings or {},
    )
    maintenance.full_clean()
    maintenance.save()
    IncidentComponent.objects.bulk_create(
        IncidentComponent(
            incident=maintenance, component=component, status=ComponentStatus.UNDER_MAINTENANCE
        )
        for component in dict.fromkeys(components)
    )
    update = write_update(
        maintenance, S.SCHEDULED, body, display_at or now, deliver_notifications, actor
    )
    recorded = emit(
        Event("maintenance.schedule", maintenance, actor=actor, after=snapshot(maintenance),
              update=update, text_of=maintenance)
    )  # fmt: skip
    maintenance.notification = update.notification = recorded.get("notification")
    return maintenance


@transaction.atomic
def maintenance_update_post(
    maintenance: Incident,
    *,
    status: str,
    body: str = "",
    display_at: datetime | None = None,
    deliver_notifications: bool = True,
    automatic: bool = False,
    expected: Iterable[str] | None = None,
    actor=None,
) -> IncidentUpdate | None:
    """Adds a timeline entry to a maintenance and moves it to `status`.

    `expected` narrows the statuses it may come from (starting means coming from
    "scheduled", so a stale second start is not taken for a note).

    Starting puts its components under maintenance (an outage already showing stays showing);
    completing returns them to what other open incidents or running maintenance hold them in,
    operational otherwise. The move is claimed with a conditional UPDATE: when the maintenance
    is no longer in a status that may go to `status` (someone else moved it first), staff get a
    ValidationError and the scheduler (`automatic=True`) gets None; nothing changes either way.
    """
    if status not in S.values:
        raise ValidationError(
            {
                "status": _("“%(status)s” is not a maintenance status. Use one of: %(values)s.")
                % {"status": status, "values": ", ".join(S.values)}
            }
        )
    _refuse_incident(maintenance)
    body = (body or "").strip() or default_body(status)
    if not body:
        raise ValidationError({"body": _("Write a message for the timeline.")})
    now = timezone.now()
    display_at = display_at or now
    previous = None
    sources = [old for old, new in TRANSITIONS.items() if status in new]
    if expected is not None:
        sources = [old for old in sources if old in expected]
    for old in sources:
        if Incident.objects.filter(
            pk=maintenance.pk, kind=IncidentKind.MAINTENANCE, status=old
        ).update(status=status, updated_at=now):
            previous = old
            break
    if previous is None:
        if automatic:
            return None
        current = Incident.objects.get(pk=maintenance.pk)
        raise ValidationError(
            {
                "status": _("A maintenance that is “%(old)s” cannot move to “%(new)s”.")
                % {"old": current.get_status_display(), "new": S(status).label}
            }
        )
    maintenance = Incident.objects.select_for_update().get(pk=maintenance.pk)
    starting = status == S.IN_PROGRESS and previous == S.SCHEDULED
    completing = status == S.COMPLETED
    if automatic:
        # A step the scheduler takes on its own is told as the maintenance was set up to be.
        if starting:
            deliver_notifications = maintenance.scheduled_notify_at_start
        elif completing:
            deliver_notifications = maintenance.scheduled_notify_at_end
    if starting:
        maintenance.started_at = min(display_at, maintenance.scheduled_until)
    if completing:
        maintenance.resolved_at = max(display_at, maintenance.started_at)
    maintenance.full_clean()
    maintenance.save()
    update = write_update(maintenance, status, body, display_at, deliver_notifications, actor)
    rows = list(maintenance.affected.select_related("component"))
    if starting:
        components_move(
            update=update,
            targets={
                row.component_id: ComponentStatus.worst(
                    [row.component.status, ComponentStatus.UNDER_MAINTENANCE]
                )
                for row in rows
            },
        )
    elif completing:
        components_move(
            update=update,
            targets={
                row.component_id: _status_held_elsewhere(row.component, maintenance) for row in rows
            },
        )
    step = "start" if starting else "complete" if completing else "update"
    recorded = emit(
        Event(
            f"maintenance.{step}",
            maintenance,
            actor=actor if not automatic else "scheduler",
            before={"status": previous},
            after={"status": status, "body": body},
            update=update,
            text_of=maintenance,
            automatic=automatic,
        )
    )
    update.notification = recorded.get("notification")
    return update


def maintenance_start(maintenance: Incident, **kwargs) -> IncidentUpdate | None:
    """Moves a scheduled maintenance to "in progress"; see `maintenance_update_post`."""
    return maintenance_update_post(
        maintenance, status=S.IN_PROGRESS, expected=[S.SCHEDULED], **kwargs
    )


def maintenance_verify(maintenance: Incident, **kwargs) -> IncidentUpdate | None:
    """Moves a running maintenance to "verifying"; its components stay under maintenance."""
    return maintenance_update_post(
        maintenance, status=S.VERIFYING, expected=[S.IN_PROGRESS], **kwargs
    )


def maintenance_complete(maintenance: Incident, **kwargs) -> IncidentUpdate | None:
    """Completes a running maintenance and releases its components."""
    return maintenance_update_post(
        maintenance, status=S.COMPLETED, expected=[S.IN_PROGRESS, S.VERIFYING], **kwargs
    )


EDITABLE_MAINTENANCE_FIELDS = (
    "name",
    "summary",
    "scheduled_for",
    "scheduled_until",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "scheduled_remind_prior",
    "scheduled_notify_at_start",
    "scheduled_notify_at_end",
    "metadata",
    "tweet_settings",
)
_WINDOW_FIELDS = {"scheduled_for", "scheduled_until"}


@transaction.atomic
def maintenance_edit(maintenance: Incident, *, actor=None, **changes) -> Incident:
    """Edits a maintenance's text, window or automation; the window only before it starts.

    Moving the window allows a new reminder.
    """
    unknown = set(changes) - set(EDITABLE_MAINTENANCE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    _refuse_incident(maintenance)
    maintenance = Incident.objects.select_for_update().get(pk=maintenance.pk)
    window_changed = any(
        getattr(maintenance, f) != changes[f] for f in _WINDOW_FIELDS & set(changes)
    )
    if window_changed and maintenance.status != S.SCHEDULED:
        raise ValidationError(_("The window can only change before the maintenance starts."))
    before = snapshot(maintenance)
    for field, value in changes.items():
        setattr(maintenance, field, value)
    if window_changed:
        _validate_window(maintenance.scheduled_for, maintenance.scheduled_until)
        maintenance.started_at = maintenance.scheduled_for
        maintenance.scheduled_reminded_at = None
    maintenance.full_clean()
    maintenance.save()
    after = snapshot(maintenance)
    emit(Event("maintenance.edit", maintenance, actor=actor, before=before, after=after))
    return maintenance


@transaction.atomic
def maintenance_set_components(
    maintenance: Incident, components: Iterable[Component], *, actor=None
) -> Incident:
    """Changes which components a maintenance concerns, before it starts."""
    _refuse_incident(maintenance)
    maintenance = Incident.objects.select_for_update().get(pk=maintenance.pk)
    if maintenance.status != S.SCHEDULED:
        raise ValidationError(_("The components can only change before the maintenance starts."))
    wanted = {c.pk: c for c in components}
    before = sorted(maintenance.affected.values_list("component__name", flat=True))
    maintenance.affected.exclude(component_id__in=wanted).delete()
    for component in wanted.values():
        IncidentComponent.objects.get_or_create(
            incident=maintenance,
            component=component,
            defaults={"status": ComponentStatus.UNDER_MAINTENANCE},
        )
    emit(
        Event(
            "maintenance.components",
            maintenance,
            actor=actor,
            before={"components": before},
            after={"components": sorted(c.name for c in wanted.values())},
        )
    )
    return maintenance


def maintenance_send_reminders(now: datetime | None = None) -> list[Incident]:
    """Announces `maintenance.remind` for each maintenance starting within the reminder lead.

    Only for maintenance announced before that lead (a late announcement is its own reminder).
    Each reminder is claimed by setting `scheduled_reminded_at` where it is still empty, so it
    goes out once however many schedulers run.
    """
    now = now or timezone.now()
    lead = reminder_lead()
    due = Incident.objects.upcoming().filter(
        scheduled_remind_prior=True,
        scheduled_reminded_at__isnull=True,
        scheduled_for__gt=now,
        scheduled_for__lte=now + lead,
        created_at__lt=F("scheduled_for") - lead,
    )
    reminded = []
    for maintenance in due:
        with transaction.atomic():
            claimed = Incident.objects.filter(
                pk=maintenance.pk, status=S.SCHEDULED, scheduled_reminded_at__isnull=True
            ).update(scheduled_reminded_at=now)
            if claimed:
                maintenance.scheduled_reminded_at = now
                emit(
                    Event("maintenance.remind", maintenance, actor="scheduler", public=False,
                          automatic=True)
                )  # fmt: skip
                reminded.append(maintenance)
    return reminded


def maintenance_run_due(now: datetime | None = None) -> tuple[list[Incident], list[Incident]]:
    """Starts maintenance whose start has come and completes those whose end has passed.

    Only those set to move automatically. Returns (started, completed); a maintenance another
    scheduler moved first is skipped.
    """
    now = now or timezone.now()
    started = []
    to_start = Incident.objects.upcoming().filter(
        scheduled_auto_in_progress=True, scheduled_for__lte=now
    )
    for maintenance in to_start:
        if maintenance_start(maintenance, display_at=now, automatic=True):
            started.append(maintenance)
    completed = []
    to_complete = Incident.objects.active_maintenance().filter(
        scheduled_auto_completed=True, scheduled_until__lte=now
    )
    for maintenance in to_complete:
        if maintenance_complete(maintenance, display_at=now, automatic=True):
            completed.append(maintenance)
    return started, completed
