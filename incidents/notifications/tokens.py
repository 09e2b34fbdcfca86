"""Signed links for subscribers: confirm, manage, unsubscribe.

Each purpose has its own salt, so a token made for one cannot be used for another. A token
names the subscriber by public id and carries a key stored on the subscriber: the
confirmation nonce (cleared once used, so a confirmation link works once) or the link key
(changed when someone subscribes again after leaving, which voids every older link).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from .models import Subscriber

CONFIRM = "notifications.confirm"
MANAGE = "notifications.manage"
UNSUBSCRIBE = "notifications.unsubscribe"


class BadToken(Exception):
    """Forged, expired, reused, or naming nobody: all answered the same way."""


def _max_age(purpose: str) -> int:
    if purpose == CONFIRM:
        return settings.SUBSCRIBE_CONFIRM_MAX_AGE
    return settings.SUBSCRIBER_LINK_MAX_AGE


def make_token(subscriber: Subscriber, purpose: str) -> str:
    key = subscriber.confirm_nonce if purpose == CONFIRM else subscriber.link_key
    return signing.TimestampSigner(salt=purpose).sign(f"{subscriber.public_id}.{key}")


def read_token(token: str, purpose: str, *, queryset=None) -> Subscriber:
    """The subscriber a valid token names; raises BadToken for anything else."""
    if not isinstance(token, str) or len(token) > 200:
        raise BadToken
    try:
        value = signing.TimestampSigner(salt=purpose).unsign(token, max_age=_max_age(purpose))
    except signing.BadSignature:  # expired tokens raise SignatureExpired, a subclass
        raise BadToken from None
    public_id, _, key = value.partition(".")
    if not key:
        raise BadToken
    queryset = queryset if queryset is not None else Subscriber.objects.all()
    field = "confirm_nonce" if purpose == CONFIRM else "link_key"
    try:
        return queryset.get(public_id=public_id, **{field: key})
    except Subscriber.DoesNotExist:
        raise BadToken from None
