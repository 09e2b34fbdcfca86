"""What an integration's alerts do: record each alert's state, steer the components they
name, open draft incidents for staff.

The rules, each decided here and nowhere else:

- An alert names its component by the integration's label (a component's public id or its
  name) and holds it, while firing, in the status its severity maps to. A payload with an
  alert naming no known component, or a severity the integration does not map, is refused
  whole: nothing of it is recorded.
- One row per (integration, fingerprint) keeps the alert's last word and a digest of it, so
  a payload sent again (Alertmanager repeats firing alerts) changes nothing twice, and an old
  "firing" arriving after the "resolved" that ended it is ignored.
- The status automation wants for a component is the worst status its firing alerts hold it
  in (across integrations that update components), else operational. While an incident is
  open on the component, or a maintenance runs on it, people hold it: automation leaves it
  alone (Statuspage's rule), and when they let it go it returns to what the alerts hold it
  in (`selectors.automation_status`, which the core asks).
- Flap damping: a wanted status is applied only once it has been wanted for the
  integration's `flap_interval_s`; a status wanted again by a later alert keeps its clock.
  When the alerts come back to what the page shows meanwhile, the pending change is dropped:
  an alert that fires and resolves within the interval changes nothing public. Since a
  change becomes pending only after the last one was applied, a component changes through
  automation at most once per interval. Pending changes fall due in the `monitoring.settle`
  beat task (every 15 seconds), or at once with an interval of 0.
- Every automated change goes through `component_set_status`, with the alert as its cause
  (audit log, caches purged); nothing of it notifies subscribers.
- An alert that starts firing on a component no incident is open on, and that has no draft
  yet, opens a draft incident (integrations with `open_draft_incident`): one per payload for
  the components concerned, named from the integration's template if it has one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Component, ComponentStatus, IncidentComponent

from .. import parsers
from ..models import AlertState, AlertStatus, Integration, IntegrationKind, PendingChange
from ..parsers import PayloadError, RawAlert
from ..selectors import automation_status

logger = logging.getLogger(__name__)

MAX_ERROR = 2_000


def actor_of(integration_name: str) -> str:
    """Who the audit log says made an automated change."""
    return f"monitoring: {integration_name}"[:150]


@dataclass(frozen=True)
class MappedAlert:
    """An alert with its component found and the status it holds the component in."""

    raw: RawAlert
    fingerprint: str
    component: Component | None
    status: str


@dataclass
class Received:
    """What a payload did: alerts read, alert states changed, component changes applied now
    and left pending, the draft incident it opened."""

    alerts: int = 0
    changed: int = 0
    applied: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    draft: str | None = None


# Reading a payload.


class _Components:
    """Finds the component an alert names: by public id, else by name (case aside); a name
    two components share is refused as ambiguous."""

    def __init__(self):
        self.found: dict[str, Component] = {}

    def get(self, ref: str, where: str) -> Component:
        key = ref.strip()
        if key in self.found:
            return self.found[key]
        component = Component.objects.filter(public_id=key).first()
        if component is None:
            named = list(Component.objects.filter(name__iexact=key)[:2])
            if len(named) > 1:
                raise PayloadError(
                    f"{where}: {key[:80]!r} names more than one component; use its id."
                )
            component = named[0] if named else None
        if component is None:
            raise PayloadError(f"{where}: no component has the id or name {key[:80]!r}.")
        self.found[key] = component
        return component


def map_alerts(integration: Integration, raws: list[RawAlert]) -> list[MappedAlert]:
    """Each alert with its component and status; PayloadError naming the first alert whose
    component or severity is unknown."""
    components = _Components()
    severities = {k.lower(): v for k, v in integration.severity_map.items()}
    known = ", ".join(sorted(severities)) or "none"
    mapped = []
    for index, raw in enumerate(raws):
        if raw.heartbeat:
            mapped.append(MappedAlert(raw, raw.fingerprint or "", None, ""))
            continue
        if integration.kind == IntegrationKind.GENERIC:
            where = "The payload"
        else:
            where = f"alerts[{index}]" + (f" ({raw.alertname[:80]})" if raw.alertname else "")
        if not raw.component_ref or not raw.component_ref.strip():
            raise PayloadError(
                f"{where} has no {integration.component_label!r} label naming a component."
            )
        component = components.get(raw.component_ref, where)
        severity = (raw.severity or "").strip().lower()
        if raw.status:
            status = raw.status
        elif severity in severities:
            status = severities[severity]
        elif raw.firing:
            given = repr(raw.severity[:40]) if raw.severity else "no severity label"
            raise PayloadError(
                f"{where}: unknown severity ({given}); this integration maps {known}."
            )
        else:
            status = ComponentStatus.OPERATIONAL  # resolved: the status no longer matters
        mapped.append(
            MappedAlert(raw, raw.fingerprint or f"component:{component.public_id}", component,
                        status)
        )  # fmt: skip
    return mapped


def read_payload(integration: Integration, body: bytes) -> list[MappedAlert]:
    """The alerts of a request body, mapped; PayloadError saying what is wrong."""
    data = parsers.decode(body)
    raws = parsers.parse(integration.kind, data, component_label=integration.component_label)
    return map_alerts(integration, raws)


# Receiving it.


def hook_receive(integration: Integration, body: bytes, *, now: datetime | None = None) -> Received:
    """Reads a payload an integration sent and applies it, in one transaction.

    A payload refused (PayloadError: not JSON, a wrong shape, an unknown component or
    severity) changes nothing but the integration's `last_error`, for staff, and is logged.
    A payload read counts as a heartbeat, Watchdog alone included.
    """
    now = now or timezone.now()
    try:
        alerts = read_payload(integration, body)
    except PayloadError as error:
        integration_record_error(integration, str(error), now=now)
        raise
    return alerts_apply(integration, alerts, now=now)


def integration_record_error(integration: Integration, message: str, *, now=None) -> None:
    """Records a refused payload on the integration, where staff see it, and in the log."""
    now = now or timezone.now()
    Integration.objects.filter(pk=integration.pk).update(
        last_error=message[:MAX_ERROR], last_error_at=now
    )
    logger.warning(
        "monitoring integration %s (%s) refused a payload: %s",
        integration.public_id, integration.name, message[:MAX_ERROR],
    )  # fmt: skip


def _digest(alert: MappedAlert) -> str:
    raw = alert.raw
    said = [
        raw.firing,
        raw.started_at.isoformat() if raw.started_at else None,
        # A firing alert's end is a forecast Alertmanager moves at every repeat.
        None if raw.firing or not raw.ended_at else raw.ended_at.isoformat(),
        alert.component.pk,
        alert.status,
        raw.summary,
    ]
    return hashlib.sha256(json.dumps(said).encode()).hexdigest()


def _cause(integration: Integration, state: AlertState) -> dict:
    return {
        "integration": integration.public_id,
        "integration_name": integration.name,
        "fingerprint": state.fingerprint,
        "alertname": state.alertname,
        "alert": state.state,
    }


def _record(
    integration: Integration, alert: MappedAlert, now: datetime
) -> tuple[AlertState, set[int], bool]:
    """Records one alert's word. Answers its state, the components whose wanted status it
    may have changed, and whether it started firing."""
    raw = alert.raw
    started = min(raw.started_at or now, now)
    state = (
        AlertState.objects.select_for_update()
        .filter(integration=integration, fingerprint=alert.fingerprint)
        .first()
    )
    digest = _digest(alert)
    if state is not None:
        stale = (
            raw.firing
            and not state.firing
            and state.ended_at is not None
            and raw.started_at is not None
            and raw.started_at <= state.ended_at
        )
        if state.digest == digest or stale:
            state.received_at = now
            state.save(update_fields=["received_at"])
            return state, set(), False
    was_firing = state is not None and state.firing
    moved = state is not None and (
        state.component_id != alert.component.pk or state.status != alert.status
    )
    # The components whose wanted status may change: the one it held (if it moved) and the
    # one it names (if it starts or stops firing, or holds it otherwise). A new summary or a
    # new forecast end changes no component.
    touched = set()
    if moved and was_firing:
        touched.add(state.component_id)
    if (moved or was_firing != raw.firing) and (was_firing or raw.firing):
        touched.add(alert.component.pk)
    if state is None:
        state = AlertState(integration=integration, fingerprint=alert.fingerprint)
    state.alertname = raw.alertname
    state.summary = raw.summary
    state.component = alert.component
    state.status = alert.status
    state.state = AlertStatus.FIRING if raw.firing else AlertStatus.RESOLVED
    state.started_at = started
    state.ended_at = None if raw.firing else min(raw.ended_at or now, now)
    state.digest = digest
    state.received_at = now
    if state.pk is None or was_firing != raw.firing:
        state.changed_at = now
    state.full_clean(exclude=["integration", "component", "incident"])
    state.save()
    return state, touched, raw.firing and not was_firing


@transaction.atomic
def alerts_apply(
    integration: Integration, alerts: list[MappedAlert], *, now: datetime | None = None
) -> Received:
    """Applies mapped alerts (see the module's rules); the integration is locked meanwhile,
    so two payloads of one integration apply one after the other."""
    now = now or timezone.now()
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    received = Received(alerts=len(alerts))
    touched: dict[int, dict] = {}
    started: list[AlertState] = []
    for alert in alerts:
        if alert.component is None:  # a heartbeat
            continue
        state, components, began = _record(integration, alert, now)
        if components or began:
            received.changed += 1
        for pk in components:
            touched[pk] = _cause(integration, state)
        if began:
            started.append(state)
    integration.last_received_at = now
    integration.silence_warned_at = None
    integration.save(update_fields=["last_received_at", "silence_warned_at"])
    if integration.open_draft_incident and started:
        draft = _open_draft(integration, started, now)
        received.draft = draft.public_id if draft else None
    if integration.update_components:
        for pk, cause in touched.items():
            outcome = steer(pk, interval=integration.flap_interval_s, cause=cause, now=now)
            if outcome is not None:
                name, status, applied = outcome
                (received.applied if applied else received.pending)[name] = status
    return received


# Steering components.


def held_by_people(component_id: int) -> bool:
    """Whether an open incident (not a draft) or a running maintenance holds the component:
    then its status is staff's."""
    return IncidentComponent.objects.holding(component_id).exists()


def wanted_status(component_id: int) -> str:
    """What automation wants the component in: the worst of its firing alerts, else
    operational."""
    return automation_status(component_id) or ComponentStatus.OPERATIONAL


def steer(
    component_id: int, *, interval: int, cause: dict, now: datetime | None = None
) -> tuple[str, str, bool] | None:
    """Moves the component towards what its alerts want (see the module's rules). Answers
    (component name, status, applied now) when a change is applied or pending, else None."""
    now = now or timezone.now()
    component = Component.objects.select_for_update().filter(pk=component_id).first()
    if component is None:
        return None
    pending = PendingChange.objects.filter(component=component).first()
    target = None if held_by_people(component.pk) else wanted_status(component.pk)
    if target is None or target == component.status:
        if pending is not None:
            pending.delete()
        return None
    if pending is None:
        pending = PendingChange(
            component=component, since=now, apply_at=now + timedelta(seconds=interval)
        )
    pending.status = target
    pending.cause = cause
    pending.save()
    if pending.apply_at > now:
        return component.name, target, False
    actor = actor_of(cause.get("integration_name", ""))
    incident_services.component_set_status(component, target, actor=actor, cause=cause)
    pending.delete()
    return component.name, target, True


@transaction.atomic
def steer_components(
    component_ids: Iterable[int], *, interval: int, cause: dict, now: datetime | None = None
) -> None:
    for pk in dict.fromkeys(component_ids):
        steer(pk, interval=interval, cause=cause, now=now)


def steer_components_of(integration: Integration, *, reason: str) -> None:
    """Steers again the components the integration's firing alerts name."""
    touched = integration.alerts.filter(state=AlertStatus.FIRING).values_list(
        "component", flat=True
    )
    cause = {"integration": integration.public_id, "integration_name": integration.name,
             "reason": reason}  # fmt: skip
    steer_components(list(touched), interval=integration.flap_interval_s, cause=cause)


def settle_due(now: datetime | None = None) -> list[str]:
    """Applies the pending changes whose time has come, if the alerts still want them (the
    beat task). Answers the names of the components changed. Each is decided under the
    component's lock, so two runs at once change a component once."""
    now = now or timezone.now()
    changed = []
    due = PendingChange.objects.filter(apply_at__lte=now).values_list("component_id", "cause")
    for component_id, cause in list(due):
        try:
            with transaction.atomic():
                if not PendingChange.objects.filter(component_id=component_id).exists():
                    continue
                outcome = steer(component_id, interval=0, cause=cause, now=now)
        except Exception:
            logger.exception("settling the status of component %s failed", component_id)
            continue
        if outcome is not None and outcome[2]:
            changed.append(outcome[0])
    return changed


# Drafts.


def _has_draft(component_id: int):
    return (
        IncidentComponent.objects.filter(component_id=component_id, incident__draft=True)
        .values_list("incident", flat=True)
        .first()
    )


def _draft_name(integration: Integration, states: list[AlertState], components) -> str:
    if integration.template is not None:
        return integration.template.title
    first = states[0]
    if first.summary.strip():
        return first.summary.strip().splitlines()[0][:255]
    names = ", ".join(c.name for c in components)
    return f"{first.alertname or 'Alert'} on {names}"[:255]


def _open_draft(integration: Integration, started: list[AlertState], now: datetime):
    """One draft incident for the components the newly firing alerts name that no incident
    is open on and no draft names yet; the alerts are linked to their draft."""
    wanted: dict[Component, str] = {}
    alerts = []
    for state in started:
        existing = _has_draft(state.component_id)
        if existing is not None:
            AlertState.objects.filter(pk=state.pk).update(incident_id=existing)
            continue
        if held_by_people(state.component_id):
            continue
        component = state.component
        wanted[component] = ComponentStatus.worst([wanted.get(component, state.status),
                                                   state.status])  # fmt: skip
        alerts.append(state)
    if not wanted:
        return None
    first = alerts[0]
    draft = incident_services.incident_draft_open(
        name=_draft_name(integration, alerts, wanted),
        components=wanted,
        started_at=min(s.started_at for s in alerts),
        actor=actor_of(integration.name),
        cause=_cause(integration, first),
    )
    AlertState.objects.filter(pk__in=[s.pk for s in alerts]).update(incident=draft)
    return draft
