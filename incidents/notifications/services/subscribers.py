"""Subscribers: sign-up with double opt-in, confirmation, preferences, leaving, bounces.

Anyone may ask to subscribe any address, so nothing an anonymous request does may reveal
whether an address is known, change an active subscriber, or send more than one
confirmation mail per request (the views rate-limit requests per IP and per address).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
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
    subscriber = (
        Subscriber.objects.select_for_update()
        .filter(mode=SubscriberMode.EMAIL, email=address)
        .first()
    )
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

    Raises tokens.BadToken (changing nothing) for a forged, expired or used token.
    """
    queryset = Subscriber.objects.select_for_update().filter(state=SubscriberState.PENDING)
    subscriber = tokens.read_token(token, tokens.CONFIRM, queryset=queryset)
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.confirm_nonce = ""
    subscriber.save(update_fields=["state", "confirmed_at", "confirm_nonce", "updated_at"])
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
