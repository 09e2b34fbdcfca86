"""Writes every domain event to the audit log, inside the transaction of the change."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from incidents.events import Event

from .models import AuditLog


def record(event: Event) -> AuditLog:
    """Records that `event.actor` (a user, a name, or None for the system) did `event.action`
    to `event.target`.

    Of `before` and `after` only the keys whose values differ are kept, so an entry shows
    what changed.
    """
    before, after = event.before, event.after
    if before is not None and after is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    actor, target = event.actor, event.target
    user = actor if getattr(actor, "pk", None) else None
    return AuditLog.objects.create(
        actor=user,
        actor_repr=(user.get_username() if user else str(actor or ""))[:150],
        action=event.action[:64],
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        before=before,
        after=after,
    )
