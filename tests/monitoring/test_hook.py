"""`POST /hooks/<secret>/` as monitoring systems call it, and every bad input it refuses:
a clear JSON answer, recorded on the integration for staff, and nothing changed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from incidents.models import Component, ComponentStatus
from incidents.monitoring.models import AlertState, Integration

from .conftest import am_alert, am_payload, payload, state_of_things


def test_an_alertmanager_payload_sets_its_component(post, alertmanager, world):
    integration, path = alertmanager
    response = post(path, payload("alertmanager_firing"))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["received"] == 2 and answer["components"] == {"Billing": "major_outage"}
    assert Component.objects.get(name="Billing").status == ComponentStatus.MAJOR_OUTAGE
    integration.refresh_from_db()
    assert integration.last_received_at is not None and integration.last_error == ""
    # The Watchdog is a heartbeat, never an alert on a component.
    assert list(AlertState.objects.values_list("alertname", flat=True)) == ["BillingHighErrorRate"]


def test_the_hook_needs_no_csrf_token_and_sets_no_cookie(alertmanager, world):
    _integration, path = alertmanager
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path, data=json.dumps(payload("alertmanager_firing")), content_type="application/json"
    )
    assert response.status_code == 200
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_every_wrong_secret_gets_the_same_404(client, post, alertmanager, world):
    _integration, path = alertmanager
    before = state_of_things()
    guesses = [path[:-2] + "x/", "/hooks/short/", "/hooks/" + "a" * 200 + "/"]
    answers = [post(guess, payload("alertmanager_firing")) for guess in guesses]
    answers.append(client.get(guesses[0]))
    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {b'{"error": "No integration has this address."}'}
    assert all(a["Content-Type"] == "application/json" for a in answers)
    assert state_of_things() == before


def test_other_methods_are_refused_as_json(client, alertmanager, world):
    _integration, path = alertmanager
    response = client.get(path)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "error" in response.json()


def test_requests_are_rate_limited_per_address_right_secret_or_not(
    post, alertmanager, world, settings
):
    settings.HOOK_RATE = "3/m"
    _integration, path = alertmanager
    body = am_payload(am_alert())
    assert [post(path, body).status_code for _ in range(2)] == [200, 200]
    assert post("/hooks/guess/", body).status_code == 404
    refused = post(path, body)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "error" in refused.json()
    # Another address is counted on its own.
    assert post(path, body, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_10_mb_body_is_refused_before_it_is_read_and_recorded(post, alertmanager, world):
    integration, path = alertmanager
    before = state_of_things()
    body = json.dumps(am_payload(am_alert(summary="x" * (10 * 1024 * 1024))))
    response = post(path, body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "larger than 1048576 bytes" in response.json()["error"]
    integration.refresh_from_db()
    assert "larger than" in integration.last_error
    assert state_of_things() == before


def test_no_address_under_hooks_answers_other_than_json(client, db):
    for path in ("/hooks/", "/hooks/a/b/"):
        response = client.post(path, "{}", content_type="application/json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]


def test_a_body_over_a_megabyte_is_refused_and_recorded(post, alertmanager, world):
    integration, path = alertmanager
    before = state_of_things()
    response = post(path, json.dumps(am_payload(am_alert(summary="x" * 1_100_000))))
    assert response.status_code == 413
    assert "larger than 1048576 bytes" in response.json()["error"]
    integration.refresh_from_db()
    assert "larger than" in integration.last_error
    assert state_of_things() == before


def _refused(post, path, body, status: int, words: str) -> dict:
    response = post(path, body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert words in error, error
    return error


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b'{"version": "4", "alerts": [', 400, "not valid JSON"),
        (b"not json at all", 400, "not valid JSON"),
        (b'{"version": "4", "alerts": [], "value": NaN}', 400, "NaN is not a JSON value"),
        (b"\xff\xfe", 400, "not UTF-8"),
        (json.dumps({"version": "4"}), 422, "a list of alerts"),
        (json.dumps(am_payload(am_alert(status="maybe"))), 422, "alerts[0].status"),
        (json.dumps([1, 2]), 422, "must be a JSON object"),
    ],
)
def test_a_malformed_payload_is_refused_recorded_and_changes_nothing(
    post, alertmanager, world, body, status, words
):
    integration, path = alertmanager
    before = state_of_things()
    error = _refused(post, path, body, status, words)
    integration.refresh_from_db()
    assert integration.last_error == error and integration.last_error_at is not None
    assert integration.last_received_at is None  # not a heartbeat
    assert state_of_things() == before


def test_an_unknown_component_refuses_the_whole_payload(post, alertmanager, world, caplog):
    integration, path = alertmanager
    before = state_of_things()
    body = am_payload(am_alert("ok"), am_alert("bad", component="Accounting", alertname="Books"))
    error = _refused(post, path, body, 422, "no component has the id or name 'Accounting'")
    assert error.startswith("alerts[1] (Books)")
    # The first alert, valid on its own, changed nothing either.
    assert state_of_things() == before
    assert Integration.objects.get(pk=integration.pk).last_error == error
    assert "refused a payload" in caplog.text and path not in caplog.text


def test_an_alert_without_the_component_label_is_refused(post, alertmanager, world):
    _integration, path = alertmanager
    before = state_of_things()
    _refused(post, path, am_payload(am_alert(component=None)), 422, "no 'component' label")
    assert state_of_things() == before


@pytest.mark.parametrize("severity", ["page-me", None])
def test_an_unknown_severity_is_refused(post, alertmanager, world, severity):
    _integration, path = alertmanager
    before = state_of_things()
    error = _refused(post, path, am_payload(am_alert(severity=severity)), 422, "unknown severity")
    assert "this integration maps critical, info, warning" in error
    assert state_of_things() == before


def test_a_name_two_components_share_is_refused_as_ambiguous(post, alertmanager, world):
    _integration, path = alertmanager
    Component.objects.create(name="billing")
    _refused(post, path, am_payload(am_alert()), 422, "more than one component; use its id")


def test_a_component_is_found_by_its_public_id_too(post, alertmanager, world):
    _integration, path = alertmanager
    pod = world["Pod 14"]
    assert post(path, am_payload(am_alert(component=pod.public_id))).status_code == 200
    assert Component.objects.get(pk=pod.pk).status == ComponentStatus.MAJOR_OUTAGE


def test_a_generic_payload_with_an_unknown_status_is_refused(post, make_integration, world):
    _integration, path = make_integration("generic", flap_interval_s=0)
    before = state_of_things()
    _refused(post, path, {"component": "Billing", "status": "on fire"}, 422, "Unknown status")
    _refused(post, path, {"component": "Nope", "status": "major_outage"}, 422, "no component")
    assert state_of_things() == before


def test_a_payload_read_after_a_refusal_clears_nothing_but_counts(post, alertmanager, world):
    integration, path = alertmanager
    post(path, b"{")
    assert post(path, am_payload(am_alert())).status_code == 200
    integration.refresh_from_db()
    assert integration.last_received_at > integration.last_error_at


def test_the_secret_in_a_hook_address_never_reaches_a_log():
    from statuspage.logging import redact

    line = 'Not Found: /hooks/s3cr3t-T0ken_x/ "POST /hooks/s3cr3t-T0ken_x/?a=1 HTTP/1.1"'
    assert "s3cr3t" not in redact(line)
    assert redact(line).count("/hooks/[redacted]/") == 2
