"""Subscribers (email and webhook): list, count, create, read, change what they hear of,
unsubscribe, reactivate and ask again to confirm, one by one or in bulk.

Statuspage's vocabulary is translated here: its states `unconfirmed` (our pending) and
`quarantined` (an address that bounced, a webhook that was disabled), and its types, of
which only email and webhook subscribers exist (the others list and count none).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Count, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Concat
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ... import statuspage_json as serializers
from ...notifications import services as notification_services
from ...notifications.models import Subscriber, SubscriberMode, SubscriberState
from ...notifications.services.subscribers import BULK_LIMIT, QUARANTINED_STATES
from .. import schemas
from .common import components_named, requires

router = Router()

STATES: dict[str, list[str] | None] = {
    "active": [SubscriberState.ACTIVE],
    "unconfirmed": [SubscriberState.PENDING],
    "pending": [SubscriberState.PENDING],
    "quarantined": list(QUARANTINED_STATES),
    "bounced": [SubscriberState.BOUNCED],
    "disabled": [SubscriberState.DISABLED],
    "unsubscribed": [SubscriberState.UNSUBSCRIBED],
    "all": None,
}
TYPES = ["email", "sms", "webhook", "integration_partner", "slack"]  # the counts' keys
# What Statuspage's histogram calls each of our states (unsubscribed ones are left out).
HISTOGRAM = {
    SubscriberState.ACTIVE: "active",
    SubscriberState.PENDING: "unconfirmed",
    SubscriberState.BOUNCED: "quarantined",
    SubscriberState.DISABLED: "quarantined",
}


def states_named(state: str | None, default: list[str] | None) -> list[str] | None:
    """Our states for a state filter (None: any state); `default` when none is given."""
    return default if state is None else STATES[state]


def modes_named(kind: str | None) -> list[str] | None:
    """Our modes for a type filter (None: any); a type we do not offer names none."""
    if kind is None:
        return None
    return [kind] if kind in SubscriberMode.values else []


def _filtered(queryset, kind: str | None, states: list[str] | None):
    modes = modes_named(kind)
    if modes is not None:
        queryset = queryset.filter(mode__in=modes)
    if states is not None:
        queryset = queryset.filter(state__in=states)
    return queryset


def answer(subscriber: Subscriber, **extra) -> dict:
    """Statuspage's subscriber object; a quarantined one says since when (the disabling of a
    webhook; for an address that bounced, its last change)."""
    data = serializers.subscriber(subscriber)
    if subscriber.state in QUARANTINED_STATES:
        since = subscriber.disabled_at or subscriber.updated_at
        data["quarantined_at"] = serializers.timestamp(since)
    return {**data, **extra}


def _subscriber(subscriber_id: str) -> Subscriber:
    return get_object_or_404(
        Subscriber.objects.prefetch_related("components"), public_id=subscriber_id
    )


def named_subscribers(ids: str | list[str]) -> list[Subscriber] | None:
    """The subscribers a bulk request names: comma-separated ids (or a list of them), or
    "all" (None). An id that names no subscriber is not found (404)."""
    if isinstance(ids, str):
        if ids.strip().lower() == "all":
            return None
        ids = ids.split(",")
    wanted = list(dict.fromkeys(part.strip() for part in ids if part.strip()))
    if not wanted:
        raise ValidationError(
            {"subscribers": 'Give subscriber ids, separated by commas, or "all".'}
        )
    if len(wanted) > BULK_LIMIT:
        raise ValidationError({"subscribers": f"Name at most {BULK_LIMIT} subscribers at once."})
    found = list(Subscriber.objects.filter(public_id__in=wanted))
    if len(found) != len(wanted):
        raise Http404
    return found


def _ordered(queryset, query: schemas.SubscriberListQuery):
    """Statuspage's sort fields: primary (the email or the endpoint), created_at,
    quarantined_at (those not quarantined last), relevance (exact matches of `q` first, then
    those that begin with it)."""
    queryset = queryset.annotate(primary=Concat("email", "endpoint", output_field=CharField()))
    descending = query.sort_direction == "desc"
    if query.sort_field == "relevance":
        if not query.q:
            raise ValidationError({"sort_field": "Sorting by relevance needs a search (q)."})
        rank = Case(
            When(primary__iexact=query.q, then=Value(0)),
            When(primary__istartswith=query.q, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        key = F("rank")
        queryset = queryset.annotate(rank=rank)
    elif query.sort_field == "quarantined_at":
        since = Case(
            When(state__in=QUARANTINED_STATES, then=Coalesce("disabled_at", "updated_at")),
            default=None,
            output_field=DateTimeField(),
        )
        key = F("quarantined")
        queryset = queryset.annotate(quarantined=since)
    else:
        key = F(query.sort_field)
    first = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    return queryset.order_by(first, "primary", "pk")


# Lists and counts


@router.get(
    "{page_id}/subscribers",
    response={200: list[schemas.Subscriber], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def list_subscribers(request, page_id: str, query: Query[schemas.SubscriberListQuery]):
    """Active subscribers unless `state` says otherwise (`all`: every state); pages count
    from 0."""
    queryset = Subscriber.objects.prefetch_related("components")
    if query.q:
        queryset = queryset.filter(Q(email__icontains=query.q) | Q(endpoint__icontains=query.q))
    states = states_named(query.state, [SubscriberState.ACTIVE])
    queryset = _ordered(_filtered(queryset, query.type, states), query)
    return [answer(s) for s in query.of(queryset)]


@router.post(
    "{page_id}/subscribers",
    response={201: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.add_subscriber")
def create_subscriber(request, page_id: str, body: schemas.SubscriberRequest):
    """Email subscribers get the double opt-in mail, as a sign-up on the page does: nothing
    else reaches them until they confirm. With `skip_confirmation_notification` they are
    active at once and sent nothing (the audit log records who skipped it); an address that
    unsubscribed is refused that way. An `endpoint` makes a webhook subscriber (its signing
    secret is in the answer's `webhook_secret`, this once). SMS is not offered."""
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
        return Status(201, {**answer(subscriber), "webhook_secret": secret})
    skip = bool(fields.skip_confirmation_notification)
    created = notification_services.subscriber_add(
        email=fields.email,
        language=fields.language or "en",
        components=components,
        skip_confirmation=skip,
        actor=request.user,
    )
    return Status(201, answer(_subscriber(created.public_id), skip_confirmation_notification=skip))


@router.get(
    "{page_id}/subscribers/count",
    response={200: schemas.SubscriberCountByType, **schemas.ERRORS},
)
@requires("notifications.view_subscriber")
def count_subscribers(request, page_id: str, query: Query[schemas.SubscriberCountQuery]):
    """Subscribers by type: the active ones unless `state` says otherwise (`all`: any)."""
    states = states_named(query.state, [SubscriberState.ACTIVE])
    queryset = _filtered(Subscriber.objects.all(), query.type, states)
    counts = dict(queryset.order_by().values_list("mode").annotate(n=Count("pk")))
    return {kind: counts.get(kind, 0) for kind in TYPES}


@router.get(
    "{page_id}/subscribers/histogram_by_state",
    response={200: schemas.SubscriberCountByTypeAndState, **schemas.ERRORS},
)
@requires("notifications.view_subscriber")
def histogram_by_state(request, page_id: str):
    """Subscribers by type and state; `total` is the three states together."""
    found = {kind: {"active": 0, "unconfirmed": 0, "quarantined": 0, "total": 0} for kind in TYPES}
    rows = (
        Subscriber.objects.filter(state__in=list(HISTOGRAM))
        .order_by()
        .values_list("mode", "state")
        .annotate(n=Count("pk"))
    )
    for mode, state, n in rows:
        found[mode][HISTOGRAM[state]] += n
        found[mode]["total"] += n
    return found


@router.get(
    "{page_id}/subscribers/unsubscribed",
    response={200: list[schemas.Subscriber], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def unsubscribed_subscribers(request, page_id: str, paging: Query[schemas.Paging]):
    """Those who unsubscribed (or were unsubscribed), the most recent first."""
    queryset = (
        Subscriber.objects.filter(state=SubscriberState.UNSUBSCRIBED)
        .prefetch_related("components")
        .order_by(F("unsubscribed_at").desc(nulls_last=True), "-pk")
    )
    return [answer(s) for s in paging.of(queryset)]


# Bulk changes


@router.post(
    "{page_id}/subscribers/unsubscribe",
    response={202: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def unsubscribe_subscribers(request, page_id: str, body: schemas.SubscriberIds):
    """The named subscribers (at most 100), or "all" when fewer than 100 match; `type` and
    `state` narrow either, the state being `active` unless it is given (`all`: any), as in
    Statuspage. Nobody is mailed about it."""
    notification_services.subscribers_unsubscribe(
        named_subscribers(body.subscribers),
        modes=modes_named(body.type),
        states=states_named(body.state, [SubscriberState.ACTIVE]),
        actor=request.user,
    )
    return Status(202, None)


@router.post(
    "{page_id}/subscribers/reactivate",
    response={202: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def reactivate_subscribers(request, page_id: str, body: schemas.SubscriberReactivation):
    """Quarantined subscribers (an address that bounced, a webhook that was disabled) become
    active again: the named ones, or "all"; `type` narrows either. Naming one that is
    pending or unsubscribed is refused (its owner subscribes it)."""
    notification_services.subscribers_reactivate(
        named_subscribers(body.subscribers), modes=modes_named(body.type), actor=request.user
    )
    return Status(202, None)


@router.post(
    "{page_id}/subscribers/resend_confirmation",
    response={202: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def resend_confirmations(request, page_id: str, body: schemas.SubscriberResend):
    """A fresh confirmation link to each named subscriber (or "all") who has not confirmed
    yet; the others are sent nothing."""
    notification_services.subscribers_resend_confirmation(
        named_subscribers(body.subscribers), actor=request.user
    )
    return Status(202, None)


# One subscriber


@router.get(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.view_subscriber")
def get_subscriber(request, page_id: str, subscriber_id: str):
    return answer(_subscriber(subscriber_id))


@router.patch(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def update_subscriber(
    request, page_id: str, subscriber_id: str, body: schemas.SubscriberComponents
):
    """The components it hears of (leave `component_ids` out for all of them), besides the
    incidents it follows."""
    subscriber = notification_services.subscriber_set_components(
        _subscriber(subscriber_id),
        components=components_named(body.component_ids),
        actor=request.user,
    )
    return answer(_subscriber(subscriber.public_id))


@router.delete(
    "{page_id}/subscribers/{subscriber_id}",
    response={200: schemas.Subscriber, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def delete_subscriber(
    request, page_id: str, subscriber_id: str, skip_unsubscription_notification: bool = False
):
    """Unsubscribes (the address is kept as unsubscribed, so it is never mailed again; no
    mail tells it so, whatever `skip_unsubscription_notification` says)."""
    subscriber = notification_services.subscriber_unsubscribe(
        _subscriber(subscriber_id), actor=request.user
    )
    return answer(_subscriber(subscriber.public_id))


@router.post(
    "{page_id}/subscribers/{subscriber_id}/resend_confirmation",
    response={201: None, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("notifications.change_subscriber")
def resend_confirmation(request, page_id: str, subscriber_id: str):
    """Sends a fresh confirmation link to a subscriber who has not confirmed yet."""
    notification_services.subscriber_resend_confirmation(
        _subscriber(subscriber_id), actor=request.user
    )
    return Status(201, None)
