"""The alert as every kind reads it, the strict JSON decoding, and the reading of one
labelled alert, which Alertmanager and Grafana write alike."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from incidents.models.base import plausible_date

from .errors import PayloadError

MAX_ALERTS = 1_000
MAX_FINGERPRINT = 255
MAX_NAME = 255
MAX_SUMMARY = 2_000
# The name of Alertmanager's always-firing alert, the usual dead man's switch: it says the
# pipeline works, and names no component.
WATCHDOG = "Watchdog"


@dataclass(frozen=True)
class RawAlert:
    """One alert as sent. `component_ref` is what names its component (the integration's
    label, or the generic payload's `component`); `severity` the label that says how bad it
    is, or `status` a component status given outright (generic). A `heartbeat` alert only
    says the sender is alive."""

    fingerprint: str | None
    firing: bool
    component_ref: str | None
    alertname: str = ""
    summary: str = ""
    severity: str | None = None
    status: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    heartbeat: bool = False
    labels: dict[str, str] = field(default_factory=dict)


def _refuse_constant(name: str):
    raise PayloadError(f"{name} is not a JSON value; send numbers as numbers.")


def decode(body: bytes):
    """The JSON value of a request body; PayloadError (400) when it is not JSON, holds NaN or
    Infinity, text that is not valid Unicode, or a NUL character."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("The body is not UTF-8 text.", 400) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except PayloadError as error:
        raise PayloadError(str(error), 400) from None
    except (ValueError, RecursionError) as error:
        raise PayloadError(f"The body is not valid JSON ({_short(error)}).", 400) from None
    for value in _strings(data):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PayloadError("The body holds text that is not valid Unicode.", 400) from None
        if "\x00" in value:
            raise PayloadError("The body holds a NUL character.", 400)
    return data


def _short(error: Exception) -> str:
    return str(error).split("\n", 1)[0][:120] or type(error).__name__


def _strings(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield key
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def an_object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be a JSON object.")
    return value


def text(value, where: str, *, required: bool = False, limit: int | None = None) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise PayloadError(f"{where} must be {'a non-empty' if required else 'a'} string.")
    if limit is not None and len(value) > limit:
        raise PayloadError(f"{where} is longer than {limit} characters.")
    return value


def string_map(value, where: str) -> dict[str, str]:
    """Labels or annotations: an object of strings (absent: empty)."""
    if value is None:
        return {}
    found = an_object(value, where)
    for key, item in found.items():
        if not isinstance(item, str):
            raise PayloadError(f"{where}.{key} must be a string.")
    return found


def timestamp(value, where: str) -> datetime | None:
    """An RFC 3339 time; None when absent or Go's zero time (`0001-01-01T00:00:00Z`), which
    Alertmanager and Grafana send as "no end yet"."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be an RFC 3339 time string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where} is not an RFC 3339 time: {value[:40]!r}.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year <= 1:
        return None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # year 9999 at -12:00 is year 10000 in UTC
        parsed = None
    if parsed is None or not plausible_date(parsed):
        raise PayloadError(f"{where} is out of range: {value[:40]!r}.")
    return parsed


def alert_list(data, where: str = "alerts") -> list:
    payload = an_object(data, "The payload")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError(f'The payload must hold "{where}", a list of alerts.')
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"At most {MAX_ALERTS} alerts per payload.")
    return alerts


def labels_fingerprint(labels: dict[str, str]) -> str:
    """A fingerprint of the labels, for a sender that gives none (as Alertmanager's: the
    same labels, the same alert)."""
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def labelled_alert(item, index: int, *, component_label: str) -> RawAlert:
    """One alert of Alertmanager's webhook (version 4) or Grafana's: `status` firing or
    resolved, `labels`, `annotations`, `startsAt`, `endsAt`, `fingerprint`."""
    where = f"alerts[{index}]"
    alert = an_object(item, where)
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise PayloadError(f'{where}.status must be "firing" or "resolved".')
    labels = string_map(alert.get("labels"), f"{where}.labels")
    annotations = string_map(alert.get("annotations"), f"{where}.annotations")
    fingerprint = text(alert.get("fingerprint"), f"{where}.fingerprint", limit=MAX_FINGERPRINT)
    alertname = labels.get("alertname", "")
    summary = annotations.get("summary") or annotations.get("description") or ""
    return RawAlert(
        fingerprint=fingerprint or labels_fingerprint(labels),
        firing=status == "firing",
        component_ref=labels.get(component_label),
        alertname=alertname[:MAX_NAME],
        summary=summary[:MAX_SUMMARY],
        severity=labels.get("severity"),
        started_at=timestamp(alert.get("startsAt"), f"{where}.startsAt"),
        ended_at=timestamp(alert.get("endsAt"), f"{where}.endsAt"),
        heartbeat=alertname == WATCHDOG,
        labels=labels,
    )
