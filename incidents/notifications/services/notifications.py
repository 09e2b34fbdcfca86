"""Notifications: recorded with the event, sent only after staff saw and confirmed the audience.

States: awaiting confirmation → (awaiting approval →) queued → sending → done, or discarded
before sending, or stopped while sending. Every staff step is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.events import Event, emit
from incidents.models import Component, Incident, IncidentStatus, IncidentUpdate
from incidents.worker import send_task_on_commit

from ..models import Delivery as DeliveryModel
from ..models import (
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationState,
)
from .audience import AudienceSummary, summarize

SEND_PERMISSION = "notifications.send_notification"
STOP_PERMISSION = "notifications.stop_notification"
APPROVE_PERMISSION = "notifications.approve_notification"


def _require(actor, permission: str, message: str) -> None:
    if not (actor and actor.has_perm(permission)):
        raise PermissionDenied(message)


STEP_FIELDS = ["state", "confirmed_count", "needs_approval", "recipients"]


def thread_key_for(incident: Incident | None, source: models.Model | None) -> str:
    if incident is not None:
        return f"incident-{incident.public_id}"
    if source is not None:
        return f"{source._meta.model_name}-{source.pk}"
    return "statuspage"


@transaction.atomic
def notification_record(
    *,
    kind: str,
    incident: Incident | None = None,
    update: IncidentUpdate | None = None,
    source: models.Model | None = None,
    components: Iterable[Component] | None = None,
    title: str = "",
    actor=None,
) -> Notification:
    """Records a notification to send about an event, in the caller's transaction.

    Nothing is sent yet: staff review the audience and confirm. `components` default to the
    incident's affected components, snapshotted now so that the preview and the send agree.
    """
    if kind not in NotificationKind.values:
        raise ValidationError({"kind": _("Unknown notification kind.")})
    if components is None:
        components = incident.components.all() if incident is not None else []
    notification = Notification.objects.create(
        kind=kind,
        incident=incident,
        update=update,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=str(source.pk) if source is not None else "",
        title=(title or (incident.name if incident is not None else str(source or "")))[:255],
        thread_key=thread_key_for(incident, source),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    notification.components.set(list(components))
    return notification


def kind_for_update(update: IncidentUpdate, *, first: bool) -> str:
    """Which email an update is: a new incident, a resolution, a maintenance step, an update."""
    status = update.status
    if status == "scheduled":
        return NotificationKind.MAINTENANCE_SCHEDULED
    if status == "in_progress":
        return NotificationKind.MAINTENANCE_STARTED
    if status == "completed":
        return NotificationKind.MAINTENANCE_COMPLETED
    if first:
        return NotificationKind.INCIDENT_CREATED
    if status == IncidentStatus.RESOLVED:
        return NotificationKind.INCIDENT_RESOLVED
    return NotificationKind.INCIDENT_UPDATED


def notify_update_posted(update: IncidentUpdate, *, actor=None) -> Notification | None:
    """The hook for incident services: records the notification of a published update.

    Call it inside the transaction that wrote the update. Nothing is recorded when the update
    does not ask for notifications or the incident is backfilled (recorded after the fact).
    """
    incident = update.incident
    if not update.deliver_notifications or incident.backfilled:
        return None
    first = not incident.updates.exclude(pk=update.pk).exists()
    return notification_record(
        kind=kind_for_update(update, first=first),
        incident=incident,
        update=update,
        actor=actor,
    )


def notify_postmortem_published(
    incident: Incident, *, postmortem: models.Model | None = None, actor=None
) -> Notification:
    """Records the "postmortem published" notification for `incident`."""
    return notification_record(
        kind=NotificationKind.POSTMORTEM_PUBLISHED,
        incident=incident,
        source=postmortem,
        actor=actor,
    )


def _lock(notification: Notification) -> Notification:
    return Notification.objects.select_for_update().get(pk=notification.pk)


def _step(notification: Notification) -> dict:
    return {field: getattr(notification, field) for field in STEP_FIELDS}


def _enqueue_start(notification: Notification) -> None:
    send_task_on_commit("notifications.start", notification.pk)


@transaction.atomic
def notification_confirm(
    notification: Notification, *, actor, expected_count: int
) -> tuple[Notification, AudienceSummary]:
    """Staff confirm the audience they saw (`expected_count` recipients); the send starts.

    When the audience changed since it was shown, nothing happens: ValidationError, look
    again. When the guard asks for approval, the notification waits for an incident manager.
    Only staff who may send notifications confirm one (PermissionDenied otherwise).
    """
    _require(actor, SEND_PERMISSION, _("You may not send notifications."))
    notification = _lock(notification)
    if notification.state != NotificationState.AWAITING_CONFIRMATION:
        raise ValidationError(_("This notification is not awaiting confirmation."))
    summary = summarize(notification)
    if summary.total != expected_count:
        raise ValidationError(
            _("The audience changed since you looked: it is now %(n)d. Check it again.")
            % {"n": summary.total}
        )
    before = _step(notification)
    notification.confirmed_by = actor
    notification.confirmed_at = timezone.now()
    notification.confirmed_count = summary.total
    notification.needs_approval = summary.needs_approval
    notification.approval_reasons = summary.reasons
    if summary.needs_approval:
        notification.state = NotificationState.AWAITING_APPROVAL
    else:
        notification.state = NotificationState.QUEUED
        _enqueue_start(notification)
    notification.save()
    emit(
        Event(
            "notification.confirm",
            notification,
            actor=actor,
            before=before,
            after=_step(notification),
            public=False,
        )
    )
    return notification, summary


@transaction.atomic
def notification_approve(
    notification: Notification, *, actor, expected_count: int
) -> tuple[Notification, AudienceSummary]:
    """An incident manager approves a wide send of the audience they saw; the send starts."""
    _require(actor, APPROVE_PERMISSION, _("Only an incident manager can approve this send."))
    notification = _lock(notification)
    if notification.state != NotificationState.AWAITING_APPROVAL:
        raise ValidationError(_("This notification is not awaiting approval."))
    summary = summarize(notification)
    if summary.total != expected_count:
        raise ValidationError(
            _("The audience changed since you looked: it is now %(n)d. Check it again.")
            % {"n": summary.total}
        )
    before = _step(notification)
    notification.approved_by = actor
    notification.approved_at = timezone.now()
    notification.confirmed_count = summary.total
    notification.approval_reasons = summary.reasons
    notification.state = NotificationState.QUEUED
    notification.save()
    _enqueue_start(notification)
    emit(
        Event(
            "notification.approve",
            notification,
            actor=actor,
            before=before,
            after=_step(notification),
            public=False,
        )
    )
    return notification, summary


@transaction.atomic
def notification_stop(notification: Notification, *, actor) -> Notification:
    """Stops a send: what is not sent yet never will be. Before the send it discards it.
    Only staff who may stop sends do (PermissionDenied otherwise)."""
    _require(actor, STOP_PERMISSION, _("You may not stop notifications."))
    notification = _lock(notification)
    before = _step(notification)
    if notification.state in (
        NotificationState.AWAITING_CONFIRMATION,
        NotificationState.AWAITING_APPROVAL,
    ):
        notification.state = NotificationState.CANCELLED
        action = "notification.discard"
    elif notification.state in (NotificationState.QUEUED, NotificationState.SENDING):
        notification.state = NotificationState.STOPPED
        action = "notification.stop"
    else:
        raise ValidationError(_("This notification is no longer sending."))
    notification.stopped_by = actor
    notification.stopped_at = timezone.now()
    notification.save()
    cancelled = DeliveryModel.objects.filter(
        notification=notification, state=DeliveryState.QUEUED
    ).update(state=DeliveryState.CANCELLED, error=_("Stopped by staff."))
    emit(
        Event(
            action,
            notification,
            actor=actor,
            before=before,
            after={**_step(notification), "cancelled": cancelled},
            public=False,
        )
    )
    return notification


@dataclass(frozen=True)
class DeliveryReport:
    recipients: int
    sent: int
    failed: int
    pending: int
    cancelled: int


def delivery_report(notification: Notification) -> DeliveryReport:
    """Recipients, sent, failed, pending (queued or in flight) and cancelled: one query."""
    counts = dict(
        DeliveryModel.objects.filter(notification=notification)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return DeliveryReport(
        recipients=sum(counts.values()),
        sent=counts.get(DeliveryState.SENT, 0),
        failed=counts.get(DeliveryState.FAILED, 0),
        pending=counts.get(DeliveryState.QUEUED, 0) + counts.get(DeliveryState.SENDING, 0),
        cancelled=counts.get(DeliveryState.CANCELLED, 0),
    )


@transaction.atomic
def notification_auto_confirm(notification: Notification) -> bool:
    """Confirms a notification nobody is there to confirm (a maintenance step the scheduler
    took), when staff already confirmed an earlier notification of the same incident for the
    same components and the guard asks for no approval. Otherwise it waits for staff."""
    notification = _lock(notification)
    if notification.state != NotificationState.AWAITING_CONFIRMATION or not notification.incident:
        return False
    components = set(notification.components.values_list("pk", flat=True))
    reviewed = (
        Notification.objects.filter(incident=notification.incident, confirmed_by__isnull=False)
        .exclude(pk=notification.pk)
        .order_by("-confirmed_at")
        .first()
    )
    if reviewed is None or set(reviewed.components.values_list("pk", flat=True)) != components:
        return False
    summary = summarize(notification)
    if summary.needs_approval:
        return False
    before = _step(notification)
    notification.confirmed_at = timezone.now()
    notification.confirmed_count = summary.total
    notification.state = NotificationState.QUEUED
    notification.save()
    _enqueue_start(notification)
    emit(
        Event(
            "notification.auto_confirm",
            notification,
            before=before,
            after=_step(notification),
            public=False,
        )
    )
    return True
