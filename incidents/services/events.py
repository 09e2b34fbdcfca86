"""What happens after public content changes, once the transaction has committed.

Caching, notifications and translations hook in here, so that every service announces its
changes the same way and nothing is announced for a write that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

_listeners: list[Callable[[], None]] = []


def on_published(listener: Callable[[], None]) -> Callable[[], None]:
    """Registers `listener` to run after every commit that changed public content."""
    _listeners.append(listener)
    return listener


def published() -> None:
    for listener in _listeners:
        transaction.on_commit(listener)
