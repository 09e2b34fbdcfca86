"""Domain events: the one path by which a write tells the rest of the site what it changed.

Every service announces each change once, inside its transaction, with `emit(Event(...))`.
The apps subscribe in their `AppConfig.ready()`, in one of two ways:

- a **recorder** runs at once, inside the writer's transaction: what it writes (the audit
  entry, the notification staff will review) exists exactly when the change does, and a
  rollback takes it away with the change. What it returns reaches the service under the
  recorder's name, e.g. `emit(...)["notification"]`.
- a **listener** runs once the transaction has committed (at once outside one): cache
  invalidation, translation queuing. Nothing is announced for a write that rolled back, and
  a failing listener is logged: the write it follows has been saved.

So the services import no app above them: notifications, the audit log and the caches all
come to the event, not the event to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One change: `actor` (a user, a name such as "scheduler", or None) did `action`
    ("incident.update", "notification.confirm", ...) to `target`.

    `before` and `after` are the values that changed (see `snapshot`). `public` says whether
    readers can see the change (a page or a feed changes); staff-only changes such as a
    notification step are audited but leave the public caches alone. `update` is the
    timeline entry the change published, if any; `text_of` the incident whose public text it
    wrote (its translations follow); `automatic` that the scheduler did it, not a person;
    `notify` whether subscribers may hear of it (staff said not to, otherwise).
    """

    action: str
    target: models.Model | None = None
    actor: Any = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    public: bool = True
    update: models.Model | None = None
    text_of: models.Model | None = None
    automatic: bool = False
    notify: bool = True


Recorder = Callable[[Event], Any]
Listener = Callable[[Event], None]

_recorders: dict[str, Recorder] = {}
_listeners: list[tuple[Listener, bool]] = []


def recorder(name: str, handler: Recorder) -> Recorder:
    """Runs `handler(event)` inside the writer's transaction for every event; its result is
    handed back by `emit` under `name`. A recorder that raises rolls the write back."""
    _recorders[name] = handler
    return handler


def listener(handler: Listener, *, also_before_commit: bool = False) -> Listener:
    """Runs `handler(event)` after every commit that emitted an event.

    With `also_before_commit` it also runs at the change: a cache invalidated both then and
    after the commit can never keep a copy rendered from the old data in between.
    """
    if not any(known is handler for known, _ in _listeners):
        _listeners.append((handler, also_before_commit))
    return handler


def _robust(handler: Listener, event: Event) -> Callable[[], None]:
    def run() -> None:
        try:
            handler(event)
        except Exception:
            logger.exception(
                "%s failed after %s", getattr(handler, "__name__", handler), event.action
            )

    return run


def emit(event: Event) -> dict[str, Any]:
    """Announces `event`: the recorders run now, the listeners after the commit. Returns what
    the recorders recorded, by name (e.g. the notification for staff to review, or None)."""
    recorded = {name: handler(event) for name, handler in _recorders.items()}
    for handler, before_commit in _listeners:
        if before_commit:
            handler(event)
        transaction.on_commit(_robust(handler, event))
    return recorded


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


def stored(model: type[models.Model], pk) -> dict[str, Any] | None:
    """The snapshot of a row as the database has it (before a change is saved)."""
    return snapshot(model.objects.filter(pk=pk).first()) if pk else None
