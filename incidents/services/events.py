"""What happens after public content changes, once the transaction has committed.

Caching, notifications and translations hook in here, so that every service announces its
changes the same way and nothing is announced for a write that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

_listeners: list[tuple[Callable[[], None], bool]] = []


def on_published(
    listener: Callable[[], None], *, also_before_commit: bool = False
) -> Callable[[], None]:
    """Registers `listener` to run after every commit that changed public content.

    With `also_before_commit` it runs at the change as well: a cache invalidated both then and
    after the commit can never keep a copy rendered from the old data in between.
    """
    _listeners.append((listener, also_before_commit))
    return listener


def published() -> None:
    for listener, before in _listeners:
        if before:
            listener()
        transaction.on_commit(listener)
