"""Integrations, payloads and a way to post them, as the monitoring tests share them.

The payloads under payloads/ are written in the shapes Alertmanager (webhook version 4) and
Grafana (unified alerting) send; `am_payload`/`am_alert` build others of the same shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from incidents.monitoring import services

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def am_alert(
    fingerprint: str = "a1",
    *,
    component: str | None = "Billing",
    severity: str | None = "critical",
    status: str = "firing",
    alertname: str = "BillingDown",
    starts: str = "2024-03-20T19:00:00Z",
    ends: str = "0001-01-01T00:00:00Z",
    summary: str = "Billing is failing",
) -> dict:
    labels = {"alertname": alertname, "job": "billing"}
    if component is not None:
        labels["component"] = component
    if severity is not None:
        labels["severity"] = severity
    return {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus.example.com:9090/graph",
        "fingerprint": fingerprint,
    }


def am_payload(*alerts: dict) -> dict:
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "version": "4",
        "groupKey": '{}:{alertname="BillingDown"}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "statuspage",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": list(alerts),
    }


def hook_path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def make_integration(db):
    """`make_integration(kind, **fields)`: (integration, the path to post to)."""

    def make(kind: str = "alertmanager", **fields):
        fields.setdefault("name", f"{kind} test")
        integration, url = services.integration_create(kind=kind, **fields)
        return integration, hook_path(url)

    return make


@pytest.fixture
def alertmanager(make_integration):
    """An Alertmanager integration that applies changes at once (no flap damping)."""
    return make_integration("alertmanager", flap_interval_s=0)


@pytest.fixture
def post(client):
    """Posts a payload as Alertmanager does: POST, Content-Type application/json."""

    def send(path: str, body, **headers):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return client.post(path, data=data, content_type="application/json", **headers)

    return send


@pytest.fixture
def world(pods, billing):
    """The components: Pod 13, Pod 14, Pod 17 (group Pods) and Billing (Products)."""
    return {**pods, "Billing": billing}


def state_of_things() -> dict:
    """What a refused payload must leave as it was."""
    from incidents.audit.models import AuditLog
    from incidents.models import Component, Incident
    from incidents.monitoring.models import AlertState, PendingChange

    return {
        "components": sorted(Component.objects.values_list("name", "status")),
        "alerts": sorted(AlertState.objects.values_list("fingerprint", "state", "digest")),
        "pending": list(PendingChange.objects.values_list("component", "status")),
        "incidents": Incident.with_drafts.count(),
        "audit": AuditLog.objects.count(),
    }
