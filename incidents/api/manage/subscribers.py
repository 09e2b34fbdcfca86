"""Subscribers (email and webhook): list, create, unsubscribe, read, and ask again to confirm."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ... import statuspage_json as serializers
from ...notifications import services as notification_services
from ...notifications.models import Subscriber, SubscriberMode, SubscriberState
from ...notifications.services import subscribers as subscriber_services
from .. import schemas
from .common import components_named, requires

router = Router()


def _subscriber(subscriber_id: str) -> Subscriber:
    return get_object_or_404(
        Subscriber.objects.prefetch_related("components"), public_id=subscriber_id
    )


def _subscribers_named(ids: str) -> list[Subscriber]:
    wanted = [part.strip() for part in ids.split(",") if part.strip()]
    if not wanted:
        raise ValidationError({"subscribers": "Give subscriber ids, separated by commas."})
    found = list(Subscriber.objects.filter(public_id__in=wanted))
    if len(found) != len(set(wanted)):
        raise Http404
    return found


@router.get(
    "{page_id}/subscribers",
    response={200: list[schemas.Subscriber], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def list_subscribers(
    request, page_id: str, paging: Query[schemas.Paging], q: str = "", state: str = ""
):
    queryset = Subscriber.objects.prefetch_related("components").order_by("pk")
    if q:
        queryset = queryset.filter(email__icontains=q)
    if state:
        queryset = queryset.filter(state=state)
    return [serializers.subscriber(s) for s in paging.of(queryset)]


@router.post(
    "{page_id}/subscribers",
    response={201: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.add_subscriber")
def create_subscriber(request, page_id: str, body: schemas.SubscriberRequest):
    """Email subscribers get the double opt-in mail, as a sign-up on the page does: nothing
    else reaches them until they confirm. An `endpoint` makes a webhook subscriber (its
    signing secret is in the answer's `webhook_secret`, this once). SMS is not offered."""
    fields = body.subscriber
    if fields.phone_number or fields.phone_country:
        raise ValidationError({"subscriber": "SMS subscribers are not offered."})
    if bool(fields.email) == bool(fields.endpoint):
        raise ValidationError({"subscriber": "Give either an email or a webhook endpoint."})
    components = components_named(fields.component_ids)
    if fields.endpoint:
        subscriber, secret = notification_services.webhook_subscriber_create(
            endpoint=fields.endpoint, components=components, actor=request.user
        )
        return Status(201, {**serializers.subscriber(subscriber), "webhook_secret": secret})
    subscriber_services.subscriber_request(
        email=fields.email, language=fields.language or "en", components=components
    )
    address = subscriber_services.normalize_email(fields.email)
    created = Subscriber.objects.get(mode=SubscriberMode.EMAIL, email=address)
    return Status(201, serializers.subscriber(created))


@router.post(
    "{page_id}/subscribers/unsubscribe",
    response={202: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def unsubscribe_subscribers(request, page_id: str, body: schemas.SubscriberIds):
    with transaction.atomic():
        for subscriber in _subscribers_named(body.subscribers):
            subscriber_services.subscriber_unsubscribe(subscriber, actor=request.user)
    return Status(202, None)


@router.get(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def get_subscriber(request, page_id: str, subscriber_id: str):
    return serializers.subscriber(_subscriber(subscriber_id))


@router.delete(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def delete_subscriber(request, page_id: str, subscriber_id: str):
    """Unsubscribes (the address is kept as unsubscribed, so it is never mailed again)."""
    subscriber = subscriber_services.subscriber_unsubscribe(
        _subscriber(subscriber_id), actor=request.user
    )
    return serializers.subscriber(_subscriber(subscriber.public_id))


@router.post(
    "{page_id}/subscribers/{subscriber_id}/resend_confirmation",
    response={201: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def resend_confirmation(request, page_id: str, subscriber_id: str):
    """Sends a fresh confirmation link to a subscriber who has not confirmed yet."""
    subscriber = _subscriber(subscriber_id)
    if subscriber.state != SubscriberState.PENDING or subscriber.mode != SubscriberMode.EMAIL:
        raise ValidationError({"subscriber": "Only a pending subscriber can be asked again."})
    subscriber_services.subscriber_request(
        email=subscriber.email,
        language=subscriber.language,
        components=list(subscriber.components.all()),
        incidents=list(subscriber.incidents.all()),
        incidents_only=subscriber.incidents_only,
    )
    return Status(201, None)
