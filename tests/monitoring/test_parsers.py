"""Each kind's payload read as its sender writes it (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from incidents.monitoring.parsers import PayloadError, decode, parse

from .conftest import am_alert, am_payload, payload


def test_alertmanager_v4_alerts_are_read_with_their_labels_and_times():
    alerts = parse("alertmanager", payload("alertmanager_firing"), component_label="component")
    billing, watchdog = alerts
    assert billing.fingerprint == "2b8c1f0e6e3a9d47"
    assert billing.firing is True
    assert billing.component_ref == "Billing"
    assert billing.severity == "critical"
    assert billing.alertname == "BillingHighErrorRate"
    assert billing.summary == "Billing API error rate above 5%"
    # Nanoseconds as Alertmanager writes them; Go's zero time is "no end yet".
    assert billing.started_at == datetime(2024, 3, 20, 19, 0, 12, 345678, tzinfo=UTC)
    assert billing.ended_at is None
    assert billing.heartbeat is False
    assert watchdog.heartbeat is True


def test_a_resolved_alertmanager_alert_has_its_end():
    (alert,) = parse("alertmanager", payload("alertmanager_resolved"), component_label="component")
    assert alert.firing is False
    assert alert.ended_at == datetime(2024, 3, 20, 19, 41, 12, 345678, tzinfo=UTC)


def test_the_component_label_is_the_integrations_own():
    data = am_payload(am_alert())
    data["alerts"][0]["labels"]["service"] = "Pod 13"
    (alert,) = parse("alertmanager", data, component_label="service")
    assert alert.component_ref == "Pod 13"


def test_an_alert_without_a_fingerprint_gets_one_from_its_labels():
    first, second = am_alert(), am_alert()
    del first["fingerprint"], second["fingerprint"]
    second["annotations"] = {"summary": "other words"}
    a = parse("alertmanager", am_payload(first), component_label="component")[0]
    b = parse("alertmanager", am_payload(second), component_label="component")[0]
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 16


def test_grafana_unified_alerting_is_read_times_in_utc():
    (alert,) = parse("grafana", payload("grafana_firing"), component_label="component")
    assert alert.fingerprint == "8d4f3b1a2c5e6f70"
    assert alert.component_ref == "Pod 13"
    assert alert.severity == "warning"
    assert alert.started_at == datetime(2024, 3, 20, 18, 2, tzinfo=UTC)
    (resolved,) = parse("grafana", payload("grafana_resolved"), component_label="component")
    assert resolved.firing is False
    assert resolved.ended_at == datetime(2024, 3, 20, 18, 20, tzinfo=UTC)


def test_grafanas_legacy_payload_is_refused_saying_what_to_use():
    with pytest.raises(PayloadError, match="legacy alerting"):
        parse("grafana", payload("grafana_legacy"), component_label="component")


def test_the_generic_payload():
    (alert,) = parse("generic", payload("generic_outage"), component_label="component")
    assert alert.firing and alert.status == "major_outage" and alert.component_ref == "Billing"
    assert alert.summary == "Card payments fail at the gateway."
    for over in ("operational", "resolved"):
        (alert,) = parse("generic", {"component": "Billing", "status": over}, component_label="")
        assert alert.firing is False and alert.status is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"component": "Billing"}, "status must be a non-empty string"),
        ({"status": "major_outage"}, "component must be a non-empty string"),
        ({"component": "Billing", "status": "under_maintenance"}, "Unknown status"),
        ({"component": "Billing", "status": "down"}, "Unknown status"),
        ({"component": "Billing", "status": "major_outage", "stauts": "x"}, "Unknown field"),
        ({"component": 13, "status": "major_outage"}, "component must be"),
        (["Billing"], "must be a JSON object"),
    ],
)
def test_a_wrong_generic_payload_is_refused_clearly(data, words):
    with pytest.raises(PayloadError, match=words) as refused:
        parse("generic", data, component_label="component")
    assert refused.value.status == 422


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("alerts"), "a list of alerts"),
        (lambda d: d.update(alerts={"a": 1}), "a list of alerts"),
        (lambda d: d.update(version="3"), "version '3' is not supported"),
        (lambda d: d["alerts"][0].update(status="pending"), 'must be "firing" or "resolved"'),
        (lambda d: d["alerts"][0]["labels"].update(severity=2), "labels.severity must be a str"),
        (lambda d: d["alerts"][0].update(labels=["a"]), "labels must be a JSON object"),
        (lambda d: d["alerts"][0].update(startsAt="yesterday"), "not an RFC 3339 time"),
        (lambda d: d["alerts"][0].update(startsAt="9999-12-31T23:59:59-12:00"), "out of range"),
        (lambda d: d["alerts"][0].update(fingerprint="f" * 300), "longer than 255"),
        (lambda d: d["alerts"].__setitem__(0, "firing"), "must be a JSON object"),
    ],
)
def test_a_wrong_alertmanager_payload_is_refused_clearly(change, words):
    data = am_payload(am_alert())
    change(data)
    with pytest.raises(PayloadError, match=words):
        parse("alertmanager", data, component_label="component")


@pytest.mark.parametrize(
    "body",
    [
        b'{"alerts": [',
        b"",
        b'{"value": NaN}',
        b'{"value": Infinity}',
        b'{"text": "\\u0000"}',
        b'{"text": "\\udfff"}',
        "{}".encode("utf-16"),
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_a_body_that_is_not_strict_json_is_refused_as_unreadable(body):
    with pytest.raises(PayloadError) as refused:
        decode(body)
    assert refused.value.status == 400


def test_decode_reads_json():
    assert decode(json.dumps(am_payload(am_alert())).encode())["version"] == "4"
