"""The followers of one incident (Statuspage's incident subscribers): list, subscribe an
address to it, read, unsubscribe from it, and ask again to confirm.

A follower hears of the incident to the end, postmortem included; one subscribed for it
alone hears of nothing else. Those who unsubscribed altogether are not followers any more.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ...models import Incident
from ...notifications import services as notification_services
from ...notifications.models import Subscriber, SubscriberState
from .. import schemas
from .common import requires
from .subscribers import answer

router = Router()


def _incident(incident_id: str) -> Incident:
    return get_object_or_404(Incident, public_id=incident_id)


def _followers(incident: Incident):
    return (
        Subscriber.objects.filter(incidents=incident)
        .exclude(state=SubscriberState.UNSUBSCRIBED)
        .prefetch_related("components")
        .order_by("email", "endpoint", "pk")
    )


def _follower(incident: Incident, subscriber_id: str) -> Subscriber:
    return get_object_or_404(_followers(incident), public_id=subscriber_id)


@router.get(
    "{page_id}/incidents/{incident_id}/subscribers",
    response={200: list[schemas.Subscriber], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def list_incident_subscribers(
    request, page_id: str, incident_id: str, paging: Query[schemas.Paging]
):
    """Its followers, pending confirmation or not, by address."""
    return [answer(s) for s in paging.of(_followers(_incident(incident_id)))]


@router.post(
    "{page_id}/incidents/{incident_id}/subscribers",
    response={201: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.add_subscriber")
def create_incident_subscriber(
    request, page_id: str, incident_id: str, body: schemas.IncidentSubscriberRequest
):
    """A new address is subscribed to this incident alone and gets the double opt-in mail
    (with `skip_confirmation_notification`, it is active at once and sent nothing; the audit
    log records who skipped it). A subscriber already known follows it as well. SMS is not
    offered."""
    incident = _incident(incident_id)
    fields = body.subscriber
    if fields.phone_number or fields.phone_country:
        raise ValidationError({"subscriber": "SMS subscribers are not offered."})
    if not fields.email:
        raise ValidationError({"email": "Give the email address to subscribe."})
    skip = bool(fields.skip_confirmation_notification)
    subscriber = notification_services.incident_follower_add(
        incident,
        email=fields.email,
        language=fields.language or "en",
        skip_confirmation=skip,
        actor=request.user,
    )
    return Status(
        201, answer(_follower(incident, subscriber.public_id), skip_confirmation_notification=skip)
    )


@router.get(
    "{page_id}/incidents/{incident_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def get_incident_subscriber(request, page_id: str, incident_id: str, subscriber_id: str):
    return answer(_follower(_incident(incident_id), subscriber_id))


@router.delete(
    "{page_id}/incidents/{incident_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def delete_incident_subscriber(request, page_id: str, incident_id: str, subscriber_id: str):
    """It stops following this incident; one subscribed for followed incidents alone that
    follows no other is unsubscribed (the answer says so in `state`)."""
    incident = _incident(incident_id)
    subscriber = notification_services.incident_follower_remove(
        incident, _follower(incident, subscriber_id), actor=request.user
    )
    return answer(Subscriber.objects.prefetch_related("components").get(pk=subscriber.pk))


@router.post(
    "{page_id}/incidents/{incident_id}/subscribers/{subscriber_id}/resend_confirmation",
    response={201: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def resend_incident_subscriber_confirmation(
    request, page_id: str, incident_id: str, subscriber_id: str
):
    """A fresh confirmation link to a follower who has not confirmed yet."""
    notification_services.subscriber_resend_confirmation(
        _follower(_incident(incident_id), subscriber_id), actor=request.user
    )
    return Status(201, None)
