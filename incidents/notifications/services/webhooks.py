"""Webhook subscribers: a URL that receives every notification as a signed JSON POST.

Staff (or the management API) create them; there is no double opt-in. They join the same
audience as email subscribers (the components they follow, none = all) and go through the
same delivery rows. A subscriber whose endpoint fails WEBHOOK_DISABLE_AFTER times in a row is
disabled until staff enable it again. The signing secret is returned once, at creation, and
never written to the audit log or to logs.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.events import Event, emit, snapshot
from incidents.models import Component

from ..models import Subscriber, SubscriberMode, SubscriberState, new_webhook_secret
from .subscribers import chosen_components

MAX_ENDPOINT_LENGTH = 2000
# What the audit log records of a webhook subscriber: never the secret.
AUDITED_FIELDS = ["mode", "endpoint", "state", "webhook_failures", "disabled_reason"]
_validate_url = URLValidator(schemes=["http", "https"])


class UnsafeAddress(ValueError):
    """The endpoint's host is, or resolves to, an address we do not post to."""


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_host(host: str, port: int | None) -> None:
    """Raises UnsafeAddress when `host` is or resolves to a private, loopback, link-local or
    otherwise non-public address, unless the WEBHOOK_ALLOW_PRIVATE setting is on.

    Checked when the subscriber is created and again before every POST (`resolve`), so that a
    name that later resolves inside our network is not followed there.
    """
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    resolve(host, port or 443)


def resolve(host: str, port: int) -> list[tuple]:
    """The addresses to connect to for `host`, as socket.getaddrinfo gives them, each checked
    as `check_host` says (unless WEBHOOK_ALLOW_PRIVATE is on).

    Connect to these and resolve nothing again: a second lookup could answer differently
    (DNS rebinding). A name that does not resolve raises UnsafeAddress while the check is on,
    OSError when it is off.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except OSError as error:
        if settings.WEBHOOK_ALLOW_PRIVATE:
            raise
        raise UnsafeAddress(f"{host} does not resolve: {error}") from None
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for info in infos:
            address = info[4][0]
            if _forbidden(address):
                raise UnsafeAddress(f"{host} resolves to {address}, which is not a public address")
    return infos


def normalize_endpoint(value: str) -> str:
    """The endpoint as stored, or ValidationError: an absolute https URL (http too while DEBUG
    is on or with WEBHOOK_ALLOW_HTTP), no user name or password, at most 2000 characters, to
    a public address (see `check_host`)."""
    if not isinstance(value, str):
        raise ValidationError({"endpoint": _("Enter a valid URL.")})
    value = value.strip()
    if not value or len(value) > MAX_ENDPOINT_LENGTH:
        raise ValidationError(
            {"endpoint": _("A URL has 1 to %(n)d characters.") % {"n": MAX_ENDPOINT_LENGTH}}
        )
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in value):
        raise ValidationError({"endpoint": _("Enter a valid URL.")})
    try:
        _validate_url(value)
        parts = urlsplit(value)
        port = parts.port
    except (ValidationError, ValueError):
        raise ValidationError({"endpoint": _("Enter a valid URL.")}) from None
    allowed = ["https", "http"] if settings.WEBHOOK_ALLOW_HTTP else ["https"]
    if parts.scheme.lower() not in allowed:
        raise ValidationError({"endpoint": _("The URL must start with https://.")})
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            {"endpoint": _("Leave user names and passwords out of the URL; we sign every POST.")}
        )
    if parts.fragment:
        raise ValidationError({"endpoint": _("A webhook URL has no #fragment.")})
    try:
        check_host(parts.hostname or "", port)
    except UnsafeAddress:
        raise ValidationError(
            {"endpoint": _("The URL must point to a public address, not to a private network.")}
        ) from None
    return value


def _audit(action: str, subscriber: Subscriber, *, actor, before=None, **extra) -> None:
    """The audit entry of a webhook change: its audited fields after (and before) it."""
    after = {**snapshot(subscriber, AUDITED_FIELDS), **extra}
    emit(Event(action, subscriber, actor=actor, before=before, after=after, public=False))


@transaction.atomic
def webhook_subscriber_create(
    *, endpoint: str, components: Iterable[Component] = (), actor=None
) -> tuple[Subscriber, str]:
    """Creates an active webhook subscriber and returns it with its signing secret.

    The secret is returned this once (callers show it to staff, then forget it). The
    subscriber hears of what touches `components` (none = all), at once: there is no double
    opt-in for URLs that staff add. Bad input (a malformed, non-https, credential-carrying or
    private URL, one that already receives webhooks, unknown components) raises
    ValidationError and creates nothing.
    """
    endpoint = normalize_endpoint(endpoint)
    chosen = chosen_components(components)
    if (
        Subscriber.objects.select_for_update()
        .filter(mode=SubscriberMode.WEBHOOK, endpoint=endpoint)
        .exclude(state=SubscriberState.UNSUBSCRIBED)
        .exists()
    ):
        raise ValidationError({"endpoint": _("This URL already receives webhooks.")})
    secret = new_webhook_secret()
    now = timezone.now()
    subscriber = Subscriber(
        mode=SubscriberMode.WEBHOOK,
        endpoint=endpoint,
        webhook_secret=secret,
        state=SubscriberState.ACTIVE,
        confirmed_at=now,
    )
    subscriber.full_clean()
    subscriber.save()
    subscriber.components.set(chosen)
    _audit("subscriber.webhook_create", subscriber, actor=actor, components=[c.pk for c in chosen])
    return subscriber, secret


def _webhook(subscriber: Subscriber) -> Subscriber:
    locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if locked.mode != SubscriberMode.WEBHOOK:
        raise ValidationError(_("This subscriber is not a webhook."))
    return locked


@transaction.atomic
def webhook_subscriber_disable(
    subscriber: Subscriber, *, actor=None, reason: str = ""
) -> Subscriber:
    """Stops every POST to this webhook until it is enabled again (queued deliveries are
    cancelled when they fall due). Disabling twice is harmless."""
    subscriber = _webhook(subscriber)
    if subscriber.state == SubscriberState.DISABLED:
        return subscriber
    if subscriber.state != SubscriberState.ACTIVE:
        raise ValidationError(_("Only an active webhook can be disabled."))
    before = snapshot(subscriber, AUDITED_FIELDS)
    subscriber.state = SubscriberState.DISABLED
    subscriber.disabled_at = timezone.now()
    subscriber.disabled_reason = (reason or _("Disabled by staff."))[:2000]
    subscriber.save(update_fields=["state", "disabled_at", "disabled_reason", "updated_at"])
    _audit("subscriber.webhook_disable", subscriber, actor=actor, before=before)
    return subscriber


@transaction.atomic
def webhook_subscriber_enable(subscriber: Subscriber, *, actor=None) -> Subscriber:
    """Makes a disabled webhook active again, with its failure count reset (the same secret).

    Only notifications sent from now on reach it; what was cancelled stays cancelled.
    """
    subscriber = _webhook(subscriber)
    if subscriber.state == SubscriberState.ACTIVE:
        return subscriber
    if subscriber.state != SubscriberState.DISABLED:
        raise ValidationError(_("Only a disabled webhook can be enabled."))
    before = snapshot(subscriber, AUDITED_FIELDS)
    subscriber.state = SubscriberState.ACTIVE
    subscriber.webhook_failures = 0
    subscriber.disabled_at = None
    subscriber.disabled_reason = ""
    subscriber.save(
        update_fields=["state", "webhook_failures", "disabled_at", "disabled_reason", "updated_at"]
    )
    _audit("subscriber.webhook_enable", subscriber, actor=actor, before=before)
    return subscriber


def webhook_record_success(subscriber_id: int) -> None:
    """An endpoint answered 2xx: its run of failures is over."""
    Subscriber.objects.filter(pk=subscriber_id, webhook_failures__gt=0).update(webhook_failures=0)


def webhook_record_failure(subscriber_id: int, error: str) -> bool:
    """Counts a failed attempt; disables the subscriber at WEBHOOK_DISABLE_AFTER failures in a
    row. Returns whether this failure disabled it (exactly one caller sees True)."""
    now = timezone.now()
    error = error[:2000]
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber_id).update(
            webhook_failures=F("webhook_failures") + 1, last_error=error, last_error_at=now
        )
        reason = _("%(n)d failed attempts in a row; the last: %(error)s") % {
            "n": settings.WEBHOOK_DISABLE_AFTER,
            "error": error,
        }
        disabled = Subscriber.objects.filter(
            pk=subscriber_id,
            mode=SubscriberMode.WEBHOOK,
            state=SubscriberState.ACTIVE,
            webhook_failures__gte=settings.WEBHOOK_DISABLE_AFTER,
        ).update(state=SubscriberState.DISABLED, disabled_at=now, disabled_reason=reason[:2000])
        if disabled:
            subscriber = Subscriber.objects.get(pk=subscriber_id)
            _audit(
                "subscriber.webhook_disable",
                subscriber,
                actor="webhook delivery",
                before={"state": SubscriberState.ACTIVE},
            )
    return bool(disabled)
