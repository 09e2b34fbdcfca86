"""What monitoring systems send, read as they send it: one module per integration kind.

`decode` turns a request body into JSON (strictly: no NaN, no NUL, valid UTF-8), and each
kind's `parse` answers the alerts the payload holds as `RawAlert`s, or raises `PayloadError`
saying what is wrong. Nothing here looks at the database: which component an alert names, and
which status its severity means, is the services' business (`services.alerts`).
"""

from __future__ import annotations

from collections.abc import Callable

from . import alertmanager, generic, grafana
from .common import RawAlert, decode
from .errors import PayloadError

PARSERS: dict[str, Callable[..., list[RawAlert]]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "generic": generic.parse,
}


def parse(kind: str, data, *, component_label: str) -> list[RawAlert]:
    """The alerts of a decoded payload sent by an integration of `kind`."""
    return PARSERS[kind](data, component_label=component_label)


__all__ = ["PARSERS", "PayloadError", "RawAlert", "decode", "parse"]
