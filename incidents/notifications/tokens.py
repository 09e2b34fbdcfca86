"""Signed links for subscribers: confirm, manage, unsubscribe.

Each purpose has its own salt, so a token made for one cannot be used for another. A token
names the subscriber by public id and carries a key stored on the subscriber: the
confirmation nonce (cleared once used, so a confirmation link works once) or the link key
(changed when someone subscribes again after leaving, which voids every older link).

A confirmation token carries the link key as well, so that a genuine link opened again after
its subscription was confirmed can say so (`AlreadyConfirmed`) instead of "this link does not
work": the nonce is gone by then, the link key still tells that the link is ours and of this
subscription, not of one that left before.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from .models import Subscriber, SubscriberState

CONFIRM = "notifications.confirm"
MANAGE = "notifications.manage"
UNSUBSCRIBE = "notifications.unsubscribe"


class BadToken(Exception):
    """Forged, expired, superseded, or naming nobody: all answered the same way."""


class AlreadyConfirmed(BadToken):
    """A genuine confirmation link of a subscription that is active already (confirmed with
    this link or another one). Still a BadToken, so that a caller that does not tell it
    apart refuses it like any other."""

    def __init__(self, subscriber: Subscriber):
        super().__init__()
        self.subscriber = subscriber


def _max_age(purpose: str) -> int:
    if purpose == CONFIRM:
        return settings.SUBSCRIBE_CONFIRM_MAX_AGE
    return settings.SUBSCRIBER_LINK_MAX_AGE


def make_token(subscriber: Subscriber, purpose: str) -> str:
    if purpose == CONFIRM:
        value = f"{subscriber.public_id}.{subscriber.confirm_nonce}.{subscriber.link_key}"
    else:
        value = f"{subscriber.public_id}.{subscriber.link_key}"
    return signing.TimestampSigner(salt=purpose).sign(value)


def read_token(token: str, purpose: str, *, queryset=None) -> Subscriber:
    """The subscriber a valid token names; raises BadToken for anything else.

    A confirmation token whose nonce no longer matches raises AlreadyConfirmed when it is of
    the subscription that is now active (its link key still matches), BadToken otherwise.
    """
    if not isinstance(token, str) or len(token) > 200:
        raise BadToken
    try:
        value = signing.TimestampSigner(salt=purpose).unsign(token, max_age=_max_age(purpose))
    except signing.BadSignature:  # expired tokens raise SignatureExpired, a subclass
        raise BadToken from None
    # Keys are URL-safe base64 (no dots). Confirmation links mailed before they carried the
    # link key have two parts: they still confirm, they just cannot tell "already confirmed".
    public_id, _, keys = value.partition(".")
    key, _, link_key = keys.partition(".")
    if not key:
        raise BadToken
    queryset = queryset if queryset is not None else Subscriber.objects.all()
    field = "confirm_nonce" if purpose == CONFIRM else "link_key"
    try:
        return queryset.get(public_id=public_id, **{field: key})
    except Subscriber.DoesNotExist:
        pass
    if purpose == CONFIRM and link_key:
        confirmed = Subscriber.objects.filter(
            public_id=public_id, link_key=link_key, state=SubscriberState.ACTIVE, confirm_nonce=""
        ).first()
        if confirmed is not None:
            raise AlreadyConfirmed(confirmed)
    raise BadToken
