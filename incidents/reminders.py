"""Promised updates that are late: which incidents, and the staff reminders about them.

An update may promise the next one (`IncidentUpdate.next_update_by`). While the incident is
open and that update is still its latest, the promise stands; once it has passed, the
incident is overdue (`overdue_updates`, for the admin), and the staff who posted the update
and the incident managers get one email (`send_overdue_reminders`, run by beat). A newer
update makes a new promise, or none, and the reminder state starts afresh with it.

The reminders are staff mail: plain text, in English.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation

from . import staff_mail, timefmt
from .events import Event, emit
from .models import Incident, IncidentUpdate
from .roles import INCIDENT_MANAGERS


def _latest_update():
    """The newest update of the incident of the outer query (as the timeline orders them)."""
    return IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by(
        "-display_at", "-created_at", "-pk"
    )


def overdue_updates(now: datetime | None = None) -> QuerySet[Incident]:
    """The open incidents whose latest update promised the next one by a time now passed,
    the most overdue first. Each carries `promised_by` (the promised time), `overdue_update_id`
    (the update that promised it) and `reminded_at` (when staff were reminded, or None)."""
    now = now or timezone.now()
    latest = _latest_update()
    return (
        Incident.objects.open()
        .annotate(
            promised_by=Subquery(latest.values("next_update_by")[:1]),
            overdue_update_id=Subquery(latest.values("pk")[:1]),
            reminded_at=Subquery(latest.values("reminder_sent_at")[:1]),
        )
        .filter(promised_by__isnull=False, promised_by__lte=now)
        .order_by("promised_by", "pk")
    )


def _recipients(update: IncidentUpdate) -> list[str]:
    """The update's author and the incident managers: active staff with an address."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    managers = users.filter(groups__name=INCIDENT_MANAGERS)
    found = []
    if update.author_id:
        found.extend(users.filter(pk=update.author_id).values_list("email", flat=True))
    found.extend(managers.order_by("email").values_list("email", flat=True))
    return list(dict.fromkeys(found))


def _message(incident: Incident, update: IncidentUpdate, recipients: list[str]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        promised = timefmt.dated_stamp(update.next_update_by)
        posted = timefmt.dated_stamp(update.display_at)
    author = update.author.get_username() if update.author else "the API or the system"
    admin_url = settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])
    lines = [
        f"The next update on “{incident.name}” was promised by {promised}.",
        "No update has been posted since.",
        "",
        f"Latest update: {update.get_status_display()}, posted at {posted} by {author}:",
        "",
        update.body,
        "",
        f"Post an update: {admin_url}",
        f"Public page: {settings.SITE_URL}{incident.get_absolute_url()}",
        "",
        "You receive this because you posted that update or you are an incident manager.",
    ]
    return staff_mail.staff_message(f"Update overdue: {incident.name}", lines, recipients)


def _remind(incident_id: int, now: datetime) -> Incident | None:
    """Sends the reminder for the incident's latest update if its promise has passed and none
    was sent; claimed under the incident's lock, which posting an update also takes, so it
    goes out once and never after a newer update."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if incident is None or not incident.is_open:
            return None
        update = (
            IncidentUpdate.objects.filter(incident=incident)
            .select_related("author")
            .order_by("-display_at", "-created_at", "-pk")
            .first()
        )
        if (
            update is None
            or update.next_update_by is None
            or update.next_update_by > now
            or update.reminder_sent_at is not None
        ):
            return None
        claimed = IncidentUpdate.objects.filter(pk=update.pk, reminder_sent_at__isnull=True)
        if not claimed.update(reminder_sent_at=now):
            return None
        recipients = _recipients(update)
        promise = {
            "update": update.public_id,
            "next_update_by": update.next_update_by.isoformat(),
            "recipients": recipients,
        }
        emit(
            Event("incident.remind", incident, actor="scheduler", public=False, automatic=True,
                  after=promise)
        )  # fmt: skip
        if recipients:
            # A failure raises and releases the claim: the next run tries again.
            staff_mail.send(_message(incident, update, recipients))
        return incident


def send_overdue_reminders(now: datetime | None = None) -> list[Incident]:
    """Reminds staff of each overdue promise not reminded yet; returns the incidents."""
    now = now or timezone.now()
    due = overdue_updates(now).filter(reminded_at__isnull=True).values_list("pk", flat=True)
    return staff_mail.each(due, lambda pk: _remind(pk, now), "overdue-update reminder of incident")
