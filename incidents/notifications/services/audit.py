"""The audit log: every staff action that changes public content or sends mail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.forms.models import model_to_dict

from ..models import AuditLog


def snapshot(obj: models.Model | None, fields: list[str] | None = None) -> dict[str, Any] | None:
    """The object's concrete field values (foreign keys as ids), for `before` and `after`."""
    if obj is None:
        return None
    names = fields or [
        f.name for f in obj._meta.concrete_fields if not f.primary_key and f.editable
    ]
    data = model_to_dict(obj, fields=names)
    for name in names:  # non-editable fields, which model_to_dict leaves out
        if name not in data:
            data[name] = getattr(obj, obj._meta.get_field(name).attname, None)
    return {key: (value.pk if isinstance(value, models.Model) else value)
            for key, value in data.items()}  # fmt: skip


def audit(
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Records that `actor` (a user, or None for the system) did `action` to `target`.

    Call it inside the service's transaction, so that the entry exists exactly when the
    change does. `before`/`after` are JSON-serializable dicts (see `snapshot`); only the keys
    whose values differ are kept, so an entry shows what changed.
    """
    if before is not None and after is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    user = actor if getattr(actor, "pk", None) else None
    return AuditLog.objects.create(
        actor=user,
        actor_repr=(user.get_username() if user else str(actor or ""))[:150],
        action=action[:64],
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        before=before,
        after=after,
    )
