"""What holds a component in a status besides incidents and maintenance: automation.

The core imports no app above it, so monitoring (`incidents.monitoring`) registers in its
`ready()` how it reads the status its firing alerts hold a component in. When the last
incident or maintenance holding a component ends, the component returns to that status
rather than to operational. With nothing registered, it returns to operational.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Component, ComponentStatus

Reader = Callable[[Component], str | None]

_readers: list[Reader] = []


def provide_held_status(reader: Reader) -> None:
    """`reader(component)` answers the status automation holds `component` in, or None."""
    if reader not in _readers:
        _readers.append(reader)


def held_status(component: Component) -> str | None:
    """The worst status any automation holds `component` in, or None when none holds it."""
    found = [status for reader in _readers if (status := reader(component)) is not None]
    return ComponentStatus.worst(found) if found else None
