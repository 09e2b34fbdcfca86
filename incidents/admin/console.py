"""What apps above the core add to the incident console (the incident's admin page).

The core imports no app above it, so the notifications app registers, in its `ready()`, how a
send's progress is read (`provide_send_progress`) and under which admin URL name the console's
script polls it. Without it (the notifications app not installed) the console shows no sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_progress: dict[str, Any] = {"read": None, "url_name": None}


def provide_send_progress(read: Callable[[Any], dict], url_name: str) -> None:
    """`read(notification)` answers a send's progress (as the polled JSON does); `url_name`
    is the admin URL, taking the notification's pk, the console's script polls."""
    _progress.update(read=read, url_name=url_name)


def send_progress(notification) -> dict | None:
    read = _progress["read"]
    return read(notification) if read else None


def send_progress_url_name() -> str | None:
    return _progress["url_name"]


# A draft incident's update form starts from what the app that opened it suggests (monitoring:
# its integration's incident template), unless staff picked a template themselves.
_draft: dict[str, Any] = {"suggest": None}


def provide_draft_suggestion(suggest: Callable[[Any], dict]) -> None:
    """`suggest(incident)` answers the update form's initial values for a draft incident."""
    _draft["suggest"] = suggest


def draft_suggestion(incident) -> dict:
    suggest = _draft["suggest"]
    return (suggest(incident) or {}) if suggest and incident.draft else {}
