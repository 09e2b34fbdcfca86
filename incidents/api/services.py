"""API keys: created per staff user, shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import Event, emit
from .models import ApiKey

KEY_BYTES = 32


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_create(user, *, name: str = "") -> tuple[ApiKey, str]:
    """Makes a key for a staff user; returns the row and the key, which is never stored."""
    if not (user.is_active and user.is_staff):
        raise ValidationError(_("API keys are for active staff users only."))
    key = secrets.token_urlsafe(KEY_BYTES)
    row = ApiKey.objects.create(user=user, name=name[:100], prefix=key[:8], digest=digest(key))
    emit(
        Event(
            "apikey.create",
            row,
            actor=user,
            after={"prefix": row.prefix, "name": row.name},
            public=False,
        )
    )
    return row, key


@transaction.atomic
def api_key_revoke(api_key: ApiKey, *, actor=None) -> ApiKey:
    """Revokes a key at once; a revoked key never authenticates again."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        emit(
            Event(
                "apikey.revoke",
                api_key,
                actor=actor,
                after={"prefix": api_key.prefix},
                public=False,
            )
        )
    return api_key


def api_key_user(key: str):
    """The active user behind `key`, or None. Compares digests, never raw keys."""
    if not key or len(key) > 200:
        return None
    row = ApiKey.objects.active().select_related("user").filter(digest=digest(key)).first()
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
