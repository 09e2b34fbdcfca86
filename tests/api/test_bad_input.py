"""Bad input gets a clear 4xx and changes nothing: every case here answered 500 (or was stored
wrongly) before. Each answer under /api/ is JSON."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Component, Incident, IncidentUpdate
from tests.fingerprint import database_fingerprint


@pytest.fixture
def unchanged(db):
    """Asserts, after the block, that the database holds exactly what it held before."""

    class Check:
        def __enter__(self):
            self.before = database_fingerprint()

        def __exit__(self, *exc):
            if exc[0] is None:
                assert database_fingerprint() == self.before, "a refused request changed data"

    return Check()


def _refused(response, status=422):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]
    return response.json()["error"]


def _window():
    start = timezone.now() + timedelta(days=2)
    return start.isoformat(), (start + timedelta(hours=2)).isoformat()


def test_maintenance_without_body_gets_a_default_text(call, v1, manager_key, pods):
    start, end = _window()
    response = call("POST", f"{v1}/incidents", manager_key, {"incident": {
        "name": "Database upgrade", "status": "scheduled",
        "scheduled_for": start, "scheduled_until": end,
    }})  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["incident_updates"][0]["body"]


def test_scheduled_status_without_a_window_is_refused(call, v1, manager_key, pods, unchanged):
    with unchanged:
        error = _refused(call("POST", f"{v1}/incidents", manager_key, {"incident": {
            "name": "Database upgrade", "status": "scheduled",
        }}))  # fmt: skip
    assert "start" in error


@pytest.mark.parametrize("status", ["completed", "in_progress", "verifying", "scheduled"])
def test_incident_patched_to_a_maintenance_status_is_refused(
    call, v1, manager_key, make_incident, unchanged, status
):
    incident = make_incident()
    with unchanged:
        _refused(call("PATCH", f"{v1}/incidents/{incident.public_id}", manager_key,
                      {"incident": {"status": status}}))  # fmt: skip


IMPOSSIBLE = [
    "2024-02-30",
    "2024-13-01",
    "0000-01-01",
    "2024-03-20T23:59:60Z",
    "2024-03-20T10:00:00+25:00",
    "9999-12-31T23:59:59-12:00",
    "garbage",
]


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_impossible_backfill_dates_are_refused(call, v1, manager_key, pods, unchanged, value):
    with unchanged:
        _refused(call("POST", f"{v1}/incidents", manager_key, {"incident": {
            "name": "Old one", "backfilled": True, "backfill_date": value, "body": "Past.",
        }}))  # fmt: skip


@pytest.mark.parametrize("value", IMPOSSIBLE)
@pytest.mark.parametrize("field", ["scheduled_for", "scheduled_until"])
def test_impossible_maintenance_windows_are_refused(
    call, v1, manager_key, pods, unchanged, field, value
):
    start, end = _window()
    fields = {"scheduled_for": start, "scheduled_until": end, field: value}
    with unchanged:
        _refused(call("POST", f"{v1}/incidents", manager_key, {"incident": {
            "name": "Upgrade", "status": "scheduled", "body": "Planned.", **fields,
        }}))  # fmt: skip


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_impossible_display_at_is_refused(call, v1, manager_key, make_incident, unchanged, value):
    incident = make_incident()
    update = incident.updates.get()
    with unchanged:
        _refused(call(
            "PATCH", f"{v1}/incidents/{incident.public_id}/incident_updates/{update.public_id}",
            manager_key, {"incident_update": {"display_at": value}},
        ))  # fmt: skip


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_impossible_start_dates_are_refused(call, v1, manager_key, pods, unchanged, value):
    with unchanged:
        _refused(call("POST", f"{v1}/components", manager_key,
                      {"component": {"name": "Search", "start_date": value}}))  # fmt: skip
        _refused(call("PATCH", f"{v1}/components/{pods['Pod 13'].public_id}", manager_key,
                      {"component": {"start_date": value}}))  # fmt: skip


def test_an_overflowing_date_never_breaks_the_lists(call, v1, client, manager_key, pods):
    call("POST", f"{v1}/components", manager_key,
         {"component": {"name": "Search", "start_date": "9999-12-31"}})  # fmt: skip
    for path in ("/history.atom", "/api/v2/incidents.json", "/api/v2/components.json"):
        assert client.get(path).status_code == 200
    assert call("GET", f"{v1}/incidents", manager_key).status_code == 200


@pytest.mark.parametrize("resource", ["incidents", "subscribers", "incident_templates",
                                      "components"])  # fmt: skip
def test_a_huge_page_number_is_a_clear_answer(call, v1, manager_key, db, resource):
    response = call("GET", f"{v1}/{resource}?page=1000000000000000000", manager_key)
    assert response.status_code in (200, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 200:
        assert response.json() == []


def test_a_lone_surrogate_is_refused(client, v1, manager_key, make_incident, unchanged):
    incident = make_incident()
    body = '{"incident": {"status": "identified", "body": "Found \\udfff it."}}'
    with unchanged:
        response = client.patch(f"{v1}/incidents/{incident.public_id}", body,
                                content_type="application/json",
                                HTTP_AUTHORIZATION=f"OAuth {manager_key}")  # fmt: skip
        _refused(response, 400)


def test_an_enormous_update_body_is_refused(call, v1, manager_key, make_incident, unchanged):
    incident = make_incident()
    with unchanged:
        body = {"incident": {"status": "identified", "body": "x" * 200_000}}
        error = _refused(call("PATCH", f"{v1}/incidents/{incident.public_id}", manager_key, body))
    assert "characters" in error


def test_a_body_over_the_upload_limit_is_413(client, v1, manager_key, settings, db, unchanged):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with unchanged:
        response = client.post(f"{v1}/incidents", json.dumps({"x": "y" * 2000}),
                               content_type="application/json",
                               HTTP_AUTHORIZATION=f"OAuth {manager_key}")  # fmt: skip
        _refused(response, 413)


def test_unknown_routes_and_wrong_methods_answer_json(client, v1, manager_key, db):
    _refused(client.get("/api/v2/nothing-here.json"), 404)
    _refused(client.get("/api/nothing"), 404)
    response = client.delete("/api/v2/summary.json")
    _refused(response, 405)
    assert "GET" in response["Allow"]


def test_a_server_error_under_api_answers_json(client, db, monkeypatch):
    from incidents.api import public

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(public.selectors, "api_components", broken)
    client.raise_request_exception = False
    response = client.get("/api/v2/components.json")
    _refused(response, 500)
    assert "boom" not in response.json()["error"]


def test_future_impact_is_refused_from_the_api(call, v1, manager_key, pods, unchanged):
    future = (timezone.now() + timedelta(days=3)).isoformat()
    with unchanged:
        error = _refused(call("POST", f"{v1}/incidents", manager_key, {"incident": {
            "name": "Later", "backfilled": True, "backfill_date": future, "body": "Not yet.",
        }}))  # fmt: skip
    assert "future" in error


def test_under_maintenance_on_a_plain_incident_is_refused(call, v1, manager_key, pods, unchanged):
    with unchanged:
        _refused(call("POST", f"{v1}/incidents", manager_key, {"incident": {
            "name": "Odd", "body": "Hm.",
            "components": {pods["Pod 13"].public_id: "under_maintenance"},
        }}))  # fmt: skip
    assert Component.objects.get(pk=pods["Pod 13"].pk).status == "operational"


@pytest.mark.parametrize("value", ["no", "yes", "0", 1, "false"])
def test_booleans_are_json_booleans(call, v1, manager_key, pods, unchanged, value):
    with unchanged:
        _refused(call("POST", f"{v1}/incidents", manager_key, {"incident": {
            "name": "Strict", "body": "Hm.", "deliver_notifications": value,
        }}))  # fmt: skip


def test_a_refused_create_leaves_no_incident(call, v1, manager_key, pods):
    call("POST", f"{v1}/incidents", manager_key, {"incident": {
        "name": "Odd", "body": "Hm.", "components": {"nope": "major_outage"},
    }})  # fmt: skip
    assert not Incident.objects.exists()
    assert not IncidentUpdate.objects.exists()


def test_a_nul_character_anywhere_in_a_body_is_refused(client, v1, manager_key, pods, unchanged):
    """PostgreSQL can neither store nor look up text holding NUL: an id with one in a
    template's component_ids was a server error there."""
    body = '{"template": {"name": "x", "title": "x", "body": "x", "component_ids": ["\\u0000"]}}'
    with unchanged:
        response = client.post(f"{v1}/incident_templates", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"OAuth {manager_key}")  # fmt: skip
        _refused(response, 400)
