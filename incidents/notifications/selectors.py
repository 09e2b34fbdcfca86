"""Reads of notifications for staff pages; nothing here writes."""

from __future__ import annotations

from django.db.models import QuerySet

from incidents.models import Incident

from .models import Notification, NotificationState

# A notification in one of these states tells subscribers as soon as a person acts on it:
# someone who may send confirms the audience, or an incident manager approves a wide send.
WAITING_STATES = (NotificationState.AWAITING_CONFIRMATION, NotificationState.AWAITING_APPROVAL)


def waiting_notifications(incident: Incident | int | None = None) -> QuerySet[Notification]:
    """Every notification waiting for staff (confirmation or approval), oldest first: what
    would be sent, about what and since when. Only `incident`'s (an incident, a maintenance
    or its pk) when given.

    The incident and whoever recorded it come in the same query.
    """
    waiting = (
        Notification.objects.filter(state__in=WAITING_STATES)
        .select_related("incident", "created_by")
        .order_by("created_at", "pk")
    )
    if incident is not None:
        waiting = waiting.filter(incident=incident)
    return waiting
