"""Subscribers: sign-up with double opt-in, confirmation, preferences, leaving, bounces.

Anyone may ask to subscribe any address, so nothing an anonymous request does may reveal
whether an address is known, change an active subscriber, or send more than one
confirmation mail per request (the views rate-limit requests per IP and per address).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.events import Event, emit, snapshot
from incidents.models import Component, Incident
from incidents.worker import send_task_on_commit

from .. import tokens
from ..models import Subscriber, SubscriberMode, SubscriberState, new_key

MAX_EMAIL_LENGTH = 254
_validate_email = EmailValidator()


def normalize_email(value: str) -> str:
    """The address as stored: trimmed and lower-cased; refuses anything but one address.

    CR, LF and other control characters are refused rather than stripped: an address that
    carries them is an injection attempt, not a typo.
    """
    if not isinstance(value, str):
        raise ValidationError({"email": _("Enter a valid email address.")})
    value = value.strip()
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValidationError(
            {"email": _("An address has at most %(n)d characters.") % {"n": MAX_EMAIL_LENGTH}}
        )
    if not value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError({"email": _("Enter a valid email address.")})
    try:
        _validate_email(value)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    return value.lower()


def validate_language(language: str) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise ValidationError(
            {"language": _("Choose one of: %(codes)s.") % {"codes": ", ".join(codes)}}
        )
    return language


def chosen_components(components: Iterable[Component]) -> list[Component]:
    chosen = list(components)
    if any(not isinstance(c, Component) or c.pk is None for c in chosen):
        raise ValidationError({"components": _("Choose components from the list.")})
    return chosen


def _incidents(incidents: Iterable[Incident]) -> list[Incident]:
    chosen = list(incidents)
    if any(not isinstance(i, Incident) or i.pk is None for i in chosen):
        raise ValidationError({"incidents": _("Unknown incident.")})
    return chosen


def _email_subscriber(address: str) -> Subscriber | None:
    """The email subscriber of a (normalized) address, locked; None when there is none."""
    return (
        Subscriber.objects.select_for_update()
        .filter(mode=SubscriberMode.EMAIL, email=address)
        .first()
    )


def _send_confirmation_on_commit(subscriber: Subscriber) -> None:
    send_task_on_commit("notifications.send_confirmation", subscriber.pk, subscriber.confirm_nonce)


def _validated_request(
    email: str,
    language: str,
    components: Iterable[Component],
    incidents: Iterable[Incident],
    incidents_only: bool,
) -> tuple[str, str, list[Component], list[Incident]]:
    address = normalize_email(email)
    language = validate_language(language)
    components = chosen_components(components)
    incidents = _incidents(incidents)
    if incidents_only and not incidents:
        raise ValidationError({"incidents_only": _("Choose an incident to follow.")})
    return address, language, components, incidents


def subscriber_request_later(
    *,
    email: str,
    language: str = "en",
    components: Iterable[Component] = (),
    incidents: Iterable[Incident] = (),
    incidents_only: bool = False,
) -> None:
    """Validates a sign-up and queues it for the worker (`subscriber_request`).

    What it does here reads no subscriber: an address already active and a new one take the
    same path and the same time, so an anonymous request learns nothing from the answer or
    from how long it took. Bad input raises ValidationError and queues nothing.
    """
    address, language, components, incidents = _validated_request(
        email, language, components, incidents, incidents_only
    )
    send_task_on_commit(
        "notifications.request_subscription",
        address,
        language,
        [component.pk for component in components],
        [incident.pk for incident in incidents],
        incidents_only,
    )


@transaction.atomic
def subscriber_request(
    *,
    email: str,
    language: str = "en",
    components: Iterable[Component] = (),
    incidents: Iterable[Incident] = (),
    incidents_only: bool = False,
) -> Subscriber | None:
    """Asks to subscribe `email`; a confirmation mail goes out once the transaction commits.

    New, pending and unsubscribed addresses get (again) a pending subscription with these
    preferences and a fresh confirmation link; a subscription that left gets new manage and
    unsubscribe links too, voiding the old ones. An active or bounced subscriber is left
    untouched and sent nothing. Bad input raises ValidationError and changes nothing. The
    return value is for callers that may know; a public view must not show it.
    """
    address, language, components, incidents = _validated_request(
        email, language, components, incidents, incidents_only
    )
    subscriber = _email_subscriber(address)
    if subscriber is None:
        subscriber = Subscriber(email=address)
    elif subscriber.state in (SubscriberState.ACTIVE, SubscriberState.BOUNCED):
        return subscriber
    elif subscriber.state == SubscriberState.UNSUBSCRIBED:
        subscriber.link_key = new_key()
    subscriber.state = SubscriberState.PENDING
    subscriber.language = language
    subscriber.incidents_only = incidents_only
    subscriber.confirm_nonce = new_key()
    subscriber.confirmation_sent_at = None
    subscriber.full_clean()
    subscriber.save()
    subscriber.components.set(components)
    subscriber.incidents.set(incidents)
    _send_confirmation_on_commit(subscriber)
    return subscriber


@transaction.atomic
def subscriber_confirm(token: str) -> Subscriber:
    """Activates the subscription a confirmation token names; the token then stops working.

    Raises tokens.AlreadyConfirmed (changing nothing) for a link of a subscription that is
    active already, and tokens.BadToken for a forged, expired or superseded one.
    """
    queryset = Subscriber.objects.select_for_update().filter(state=SubscriberState.PENDING)
    subscriber = tokens.read_token(token, tokens.CONFIRM, queryset=queryset)
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.confirm_nonce = ""
    subscriber.welcome_sent_at = None  # this confirmation's welcome mail is still to come
    subscriber.save(
        update_fields=["state", "confirmed_at", "confirm_nonce", "welcome_sent_at", "updated_at"]
    )
    send_task_on_commit(
        "notifications.send_welcome", subscriber.pk, subscriber.confirmed_at.isoformat()
    )
    return subscriber


@transaction.atomic
def subscriber_update_preferences(
    subscriber: Subscriber,
    *,
    language: str,
    components: Iterable[Component] = (),
    incidents_only: bool = False,
) -> Subscriber:
    """Changes the language and components (none = all) of an active subscriber."""
    language = validate_language(language)
    components = chosen_components(components)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state != SubscriberState.ACTIVE:
        raise ValidationError(_("This subscription is not active."))
    if incidents_only and not subscriber.incidents.exists():
        raise ValidationError({"incidents_only": _("You follow no single incident.")})
    subscriber.language = language
    subscriber.incidents_only = incidents_only
    subscriber.save(update_fields=["language", "incidents_only", "updated_at"])
    subscriber.components.set(components)
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(subscriber: Subscriber, *, actor=None) -> Subscriber:
    """Stops every mail to this subscriber, at once (queued deliveries are skipped when due).

    Unsubscribing twice is harmless. Staff doing it for someone is written to the audit log.
    """
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        return subscriber
    before = snapshot(subscriber, ["state"])
    subscriber.state = SubscriberState.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.confirm_nonce = ""
    subscriber.save(update_fields=["state", "unsubscribed_at", "confirm_nonce", "updated_at"])
    if actor is not None:
        emit(
            Event(
                "subscriber.unsubscribe",
                subscriber,
                actor=actor,
                before=before,
                after=snapshot(subscriber, ["state"]),
                public=False,
            )
        )
    return subscriber


@transaction.atomic
def subscriber_mark_bounced(subscriber: Subscriber, *, actor=None, reason: str = "") -> Subscriber:
    """Stops mail to an address that bounces (set by staff, or by a bounce hook with no actor)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state == SubscriberState.BOUNCED:
        return subscriber
    before = snapshot(subscriber, ["state"])
    subscriber.state = SubscriberState.BOUNCED
    subscriber.save(update_fields=["state", "updated_at"])
    after = {**snapshot(subscriber, ["state"]), "reason": reason[:500]}
    emit(
        Event(
            "subscriber.bounced",
            subscriber,
            actor=actor or "bounce hook",
            before=before,
            after=after,
            public=False,
        )
    )
    return subscriber


def subscriber_for_token(token: str, purpose: str) -> Subscriber:
    """The subscriber a manage or unsubscribe link names; raises tokens.BadToken otherwise."""
    return tokens.read_token(token, purpose)


def subscriber_for_confirmation(token: str) -> Subscriber:
    """The pending subscriber a confirmation link names, for the page that asks to confirm.

    Reads only. Raises tokens.AlreadyConfirmed when the link's subscription is active
    already, and tokens.BadToken for a forged, expired or superseded link.
    """
    pending = Subscriber.objects.filter(state=SubscriberState.PENDING)
    return tokens.read_token(token, tokens.CONFIRM, queryset=pending)


# Staff, through the management API: each write needs the key's user to hold the permission
# and is written to the audit log under that user. Their refusals are in English, as the
# API's own are.

ADD_PERMISSION = "notifications.add_subscriber"
CHANGE_PERMISSION = "notifications.change_subscriber"
# Bulk changes name at most this many subscribers; "all" selects fewer than this many.
BULK_LIMIT = 100
QUARANTINED_STATES = (SubscriberState.BOUNCED, SubscriberState.DISABLED)


def _require(actor, permission: str) -> None:
    if not (actor is not None and getattr(actor, "has_perm", None) and actor.has_perm(permission)):
        raise PermissionDenied("You may not change subscribers.")


def _preferences(subscriber: Subscriber) -> dict:
    """What the audit log records of a subscriber: its state and what it hears of (never
    the address, which the entry's target names already)."""
    return {
        "state": subscriber.state,
        "language": subscriber.language,
        "incidents_only": subscriber.incidents_only,
        "components": sorted(subscriber.components.values_list("pk", flat=True)),
        "incidents": sorted(subscriber.incidents.values_list("pk", flat=True)),
    }


def _audit(action: str, subscriber: Subscriber, *, actor, before=None, **extra) -> None:
    after = {**_preferences(subscriber), **extra}
    emit(Event(action, subscriber, actor=actor, before=before, after=after, public=False))


def _activate_now(subscriber: Subscriber) -> None:
    """Active without the double opt-in; a pending confirmation link stops working."""
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.confirm_nonce = ""


def _ask_to_confirm(subscriber: Subscriber) -> None:
    """A fresh confirmation link (the old one stops working), for the caller to send."""
    subscriber.state = SubscriberState.PENDING
    subscriber.confirm_nonce = new_key()
    subscriber.confirmation_sent_at = None


def _left_refused() -> ValidationError:
    return ValidationError(
        {
            "skip_confirmation_notification": (
                "This address unsubscribed: it can subscribe again only by confirming the "
                "mail it is sent (leave out skip_confirmation_notification)."
            )
        }
    )


@transaction.atomic
def subscriber_add(
    *,
    email: str,
    language: str = "en",
    components: Iterable[Component] = (),
    skip_confirmation: bool = False,
    actor,
) -> Subscriber:
    """Staff subscribe an address to these components (none = all).

    As a sign-up, unless `skip_confirmation`: then the subscriber is active at once and no
    confirmation mail is sent, and the audit log records who skipped the opt-in. An address
    that unsubscribed is not opted in again that way (it gets the confirmation mail or
    nothing). An active or bounced subscriber is returned untouched. Bad input raises
    ValidationError and changes nothing.
    """
    _require(actor, ADD_PERMISSION)
    if not skip_confirmation:
        return subscriber_request(email=email, language=language, components=components)
    address, language, components, _none = _validated_request(
        email, language, components, (), False
    )
    subscriber = _email_subscriber(address)
    if subscriber is None:
        subscriber = Subscriber(email=address)
        before = None
    elif subscriber.state in (SubscriberState.ACTIVE, SubscriberState.BOUNCED):
        return subscriber
    elif subscriber.state == SubscriberState.UNSUBSCRIBED:
        raise _left_refused()
    else:
        before = _preferences(subscriber)
    _activate_now(subscriber)
    subscriber.language = language
    subscriber.incidents_only = False
    subscriber.full_clean()
    subscriber.save()
    subscriber.components.set(components)
    subscriber.incidents.set([])
    _audit("subscriber.opt_in_skipped", subscriber, actor=actor, before=before)
    return subscriber


@transaction.atomic
def subscriber_resend_confirmation(subscriber: Subscriber, *, actor) -> Subscriber:
    """Mails a pending email subscriber a fresh confirmation link (the old one stops working).

    Anyone else is refused (ValidationError), and nothing is sent.
    """
    _require(actor, CHANGE_PERMISSION)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state != SubscriberState.PENDING or subscriber.mode != SubscriberMode.EMAIL:
        raise ValidationError(
            {"subscriber": "Only a subscriber who has not confirmed yet can be asked again."}
        )
    _resend(subscriber, actor)
    return subscriber


def _resend(subscriber: Subscriber, actor) -> None:
    _ask_to_confirm(subscriber)
    subscriber.save(update_fields=["state", "confirm_nonce", "confirmation_sent_at", "updated_at"])
    _send_confirmation_on_commit(subscriber)
    _audit("subscriber.resend_confirmation", subscriber, actor=actor)


def _named(subscribers: Iterable[Subscriber]) -> list[Subscriber]:
    chosen = list(subscribers)
    if any(not isinstance(s, Subscriber) or s.pk is None for s in chosen):
        raise ValidationError({"subscribers": "Unknown subscriber."})
    if not chosen:
        raise ValidationError({"subscribers": "Name at least one subscriber."})
    if len(chosen) > BULK_LIMIT:
        raise ValidationError({"subscribers": f"Name at most {BULK_LIMIT} subscribers at once."})
    return chosen


def _selection(subscribers: Iterable[Subscriber] | None, modes, states):
    """The named subscribers (None: every one), locked, narrowed to `modes` and `states`
    when given (None: any), in a stable order."""
    queryset = Subscriber.objects.select_for_update().order_by("pk")
    if subscribers is not None:
        queryset = queryset.filter(pk__in=[s.pk for s in _named(subscribers)])
    if modes is not None:
        queryset = queryset.filter(mode__in=list(modes))
    if states is not None:
        queryset = queryset.filter(state__in=list(states))
    return queryset


@transaction.atomic
def subscribers_resend_confirmation(
    subscribers: Iterable[Subscriber] | None, *, actor
) -> list[Subscriber]:
    """Mails a fresh confirmation link to each of these subscribers (None: all of them) who
    is an email subscriber that has not confirmed yet; the others are sent nothing. Returns
    those who were."""
    _require(actor, CHANGE_PERMISSION)
    pending = list(_selection(subscribers, [SubscriberMode.EMAIL], [SubscriberState.PENDING]))
    for subscriber in pending:
        _resend(subscriber, actor)
    return pending


@transaction.atomic
def subscribers_unsubscribe(
    subscribers: Iterable[Subscriber] | None, *, modes=None, states=None, actor
) -> list[Subscriber]:
    """Unsubscribes these subscribers (at most BULK_LIMIT), or, with None, every one still
    subscribed when there are fewer than BULK_LIMIT; `modes` and `states` narrow either
    selection. Each is written to the audit log. Returns those who were unsubscribed."""
    _require(actor, CHANGE_PERMISSION)
    queryset = _selection(subscribers, modes, states).exclude(state=SubscriberState.UNSUBSCRIBED)
    chosen = list(queryset[: BULK_LIMIT + 1])
    if subscribers is None and len(chosen) >= BULK_LIMIT:
        raise ValidationError(
            {
                "subscribers": (
                    f'"all" unsubscribes fewer than {BULK_LIMIT} subscribers; name them instead.'
                )
            }
        )
    return [subscriber_unsubscribe(subscriber, actor=actor) for subscriber in chosen]


@transaction.atomic
def subscribers_reactivate(
    subscribers: Iterable[Subscriber] | None, *, modes=None, actor
) -> list[Subscriber]:
    """Makes quarantined subscribers active again: an address that bounced, a webhook that
    was disabled. These subscribers (None: every quarantined one), narrowed to `modes`; one
    already active is left as it is, and naming one that is neither (pending or
    unsubscribed: only its owner may subscribe it) refuses the lot. Returns those changed."""
    from .webhooks import webhook_subscriber_enable  # webhooks imports this module

    _require(actor, CHANGE_PERMISSION)
    queryset = _selection(subscribers, modes, None).exclude(state=SubscriberState.ACTIVE)
    if subscribers is None:
        queryset = queryset.filter(state__in=QUARANTINED_STATES)
    chosen = list(queryset)
    if any(s.state not in QUARANTINED_STATES for s in chosen):
        raise ValidationError(
            {
                "subscribers": (
                    "Only quarantined subscribers (bounced or disabled) can be reactivated."
                )
            }
        )
    for subscriber in chosen:
        if subscriber.mode == SubscriberMode.WEBHOOK:
            webhook_subscriber_enable(subscriber, actor=actor)
            continue
        before = _preferences(subscriber)
        subscriber.state = SubscriberState.ACTIVE
        subscriber.save(update_fields=["state", "updated_at"])
        _audit("subscriber.reactivate", subscriber, actor=actor, before=before)
    return chosen


@transaction.atomic
def subscriber_set_components(
    subscriber: Subscriber, *, components: Iterable[Component] = (), actor
) -> Subscriber:
    """Staff change the components a subscriber hears of (none = all of them).

    It then hears of these components, as well as of the incidents it follows (a subscriber
    that heard of those only hears of both). One that unsubscribed is refused: it hears of
    nothing until it subscribes again.
    """
    _require(actor, CHANGE_PERMISSION)
    components = chosen_components(components)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        raise ValidationError(
            {"subscriber": "This subscriber unsubscribed; it hears of nothing to change."}
        )
    before = _preferences(subscriber)
    subscriber.incidents_only = False
    subscriber.save(update_fields=["incidents_only", "updated_at"])
    subscriber.components.set(components)
    _audit("subscriber.components", subscriber, actor=actor, before=before)
    return subscriber


# Followers of one incident: a subscriber that follows it hears of it to the end, postmortem
# included; one subscribed for it alone (`incidents_only`) hears of nothing else.


@transaction.atomic
def incident_follower_add(
    incident: Incident,
    *,
    email: str,
    language: str = "en",
    skip_confirmation: bool = False,
    actor,
) -> Subscriber:
    """Staff make `email` follow `incident`.

    A new address (or one that unsubscribed) becomes a subscriber of this incident alone,
    pending its confirmation, as a sign-up from the incident's page; with `skip_confirmation`
    it is active at once, sent nothing, and the audit log records who skipped the opt-in (an
    address that unsubscribed is refused that way). An existing subscriber follows the
    incident as well: an active or bounced one is sent nothing, a pending one a fresh
    confirmation link (or, skipping it, is made active). Bad input raises ValidationError and
    changes nothing.
    """
    _require(actor, ADD_PERMISSION)
    address, language, _none, incidents = _validated_request(email, language, (), [incident], True)
    subscriber = _email_subscriber(address)
    before = None if subscriber is None else _preferences(subscriber)
    fresh = subscriber is None or subscriber.state == SubscriberState.UNSUBSCRIBED
    if subscriber is None:
        subscriber = Subscriber(email=address)
    elif fresh and skip_confirmation:
        raise _left_refused()
    elif fresh:
        subscriber.link_key = new_key()  # the links of the subscription that left are void
    extra = {"incident": incident.pk}
    opt_in = fresh or subscriber.state == SubscriberState.PENDING
    if opt_in and skip_confirmation:
        _activate_now(subscriber)
        extra["confirmation"] = "skipped"
    elif opt_in:
        _ask_to_confirm(subscriber)
    if fresh:
        subscriber.language = language
        subscriber.incidents_only = True
    subscriber.full_clean()
    subscriber.save()
    if fresh:
        subscriber.components.set([])
        subscriber.incidents.set(incidents)
    else:
        subscriber.incidents.add(*incidents)
    if opt_in and not skip_confirmation:
        _send_confirmation_on_commit(subscriber)
    _audit("subscriber.follow_incident", subscriber, actor=actor, before=before, **extra)
    return subscriber


@transaction.atomic
def incident_follower_remove(incident: Incident, subscriber: Subscriber, *, actor) -> Subscriber:
    """Staff stop `subscriber` following `incident`. One subscribed for followed incidents
    only that follows no other is unsubscribed (it would hear of nothing); the others keep
    hearing of their components. A subscriber that does not follow it is refused."""
    _require(actor, CHANGE_PERMISSION)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if not subscriber.incidents.filter(pk=incident.pk).exists():
        raise ValidationError({"subscriber": "This subscriber does not follow this incident."})
    before = _preferences(subscriber)
    subscriber.incidents.remove(incident)
    if subscriber.incidents_only and not subscriber.incidents.exists():
        subscriber.state = SubscriberState.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.confirm_nonce = ""
        subscriber.save(update_fields=["state", "unsubscribed_at", "confirm_nonce", "updated_at"])
    _audit(
        "subscriber.unfollow_incident", subscriber, actor=actor, before=before, incident=incident.pk
    )
    return subscriber
