"""The management API's integrations: a round trip (the URL shown once, rotated, the old one
refused), the access each role has, and refusals as JSON."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from incidents.models import IncidentTemplate
from incidents.monitoring.models import Integration

from .conftest import am_alert, am_payload


@pytest.fixture
def base():
    return f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}/integrations"


@pytest.fixture
def call(client):
    def request(method, path, key, body=None):
        headers = {"HTTP_AUTHORIZATION": f"OAuth {key}"} if key else {}
        data = b"" if body is None else json.dumps(body)
        return client.generic(method, path, data=data, content_type="application/json", **headers)

    return request


def test_round_trip(call, post, base, manager_key, world, settings):
    fields = {"name": "Prom", "kind": "alertmanager", "flap_interval_s": 0}
    created = call("POST", base, manager_key, {"integration": fields})
    assert created.status_code == 201, created.content
    shape = created.json()
    assert shape["url"].startswith(settings.SITE_URL + "/hooks/")
    assert shape | {"id": "", "url": "", "created_at": "", "updated_at": ""} == {
        "id": "", "name": "Prom", "kind": "alertmanager", "update_components": True,
        "open_draft_incident": True, "component_label": "component",
        "severity_map": {"critical": "major_outage", "warning": "partial_outage",
                         "info": "degraded_performance"},
        "flap_interval_s": 0, "heartbeat_minutes": None, "template_id": None,
        "last_received_at": None, "last_error": None, "last_error_at": None,
        "created_at": "", "updated_at": "", "url": "",
    }  # fmt: skip
    one = f"{base}/{shape['id']}"
    first_path = urlsplit(shape["url"]).path
    # The secret is shown once: reading the integration never shows it again.
    read = call("GET", one, manager_key)
    assert read.status_code == 200 and "url" not in read.json()
    assert "url" not in call("GET", base, manager_key).json()[0]
    secret = first_path.split("/")[2]
    assert secret not in read.text
    assert Integration.objects.get().secret_hash != secret
    assert post(first_path, am_payload(am_alert())).status_code == 200
    # The .json suffix answers too, as on every management route.
    assert call("GET", f"{one}.json", manager_key).json()["last_received_at"] is not None
    changed = call("PATCH", one, manager_key, {"integration": {"heartbeat_minutes": 15,
                                                               "name": "Prometheus"}})  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["heartbeat_minutes"] == 15 and changed.json()["name"] == "Prometheus"
    rotated = call("POST", f"{one}/rotate", manager_key)
    assert rotated.status_code == 200
    new_path = urlsplit(rotated.json()["url"]).path
    assert new_path != first_path
    assert post(first_path, am_payload(am_alert())).status_code == 404
    assert post(new_path, am_payload(am_alert())).status_code == 200
    cleared = call("PATCH", one, manager_key, {"integration": {"heartbeat_minutes": None}})
    assert cleared.json()["heartbeat_minutes"] is None
    deleted = call("DELETE", one, manager_key)
    assert deleted.status_code == 200 and deleted.json()["name"] == "Prometheus"
    assert call("GET", one, manager_key).status_code == 404
    assert post(new_path, am_payload(am_alert())).status_code == 404


def test_a_template_is_named_by_its_id(call, base, manager_key, world):
    template = IncidentTemplate.objects.create(name="Down", title="Down", body="It is down.")
    made = call("POST", base, manager_key, {"integration": {
        "name": "G", "kind": "grafana", "template_id": str(template.pk)}})  # fmt: skip
    assert made.json()["template_id"] == str(template.pk)
    missing = call("PATCH", f"{base}/{made.json()['id']}", manager_key,
                   {"integration": {"template_id": "99999"}})  # fmt: skip
    assert missing.status_code == 422
    assert missing.json() == {"error": "template_id: no incident template has that id."}


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kind": "alertmanager"}, "name: is required"),
        ({"name": "X"}, "kind: is required"),
        ({"name": "X", "kind": "nagios"}, "kind"),
        ({"name": "X", "kind": "grafana", "severity_map": {"critical": "broken"}},
         "severity_map: Severity 'critical' maps to 'broken'"),
        ({"name": "X", "kind": "grafana", "severity_map": {"critical": "under_maintenance"}},
         "not a component status"),
        ({"name": "X", "kind": "grafana", "severity_map": {}}, "Map at least one severity"),
        ({"name": "X", "kind": "grafana", "flap_interval_s": -1}, "flap_interval_s"),
        ({"name": "X", "kind": "grafana", "flap_interval_s": True}, "flap_interval_s"),
        ({"name": "X", "kind": "grafana", "heartbeat_minutes": 0}, "heartbeat_minutes"),
        ({"name": "X", "kind": "grafana", "component_label": "has space"}, "component_label:"),
        ({"name": "  ", "kind": "grafana"}, "name: Give the integration a name"),
        ({"name": "X", "kind": "grafana", "secret": "mine"}, "secret"),
        ({"name": "X", "kind": "grafana", "update_components": None}, "may not be null"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_and_nothing_is_made(call, base, manager_key, fields, words):
    refused = call("POST", base, manager_key, {"integration": fields})
    assert refused.status_code == 422, refused.content
    assert words in refused.json()["error"]
    assert not Integration.objects.exists()


def test_a_body_that_is_not_json_is_refused_as_json(client, base, manager_key):
    refused = client.post(base, data="{", content_type="application/json",
                          HTTP_AUTHORIZATION=f"OAuth {manager_key}")  # fmt: skip
    assert refused.status_code == 400 and "error" in refused.json()


def test_a_form_encoded_body_works_as_statuspage_scripts_send_it(client, base, manager_key):
    made = client.post(
        base,
        "integration[name]=Script&integration[kind]=generic&integration[flap_interval_s]=30",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"OAuth {manager_key}",
    )
    assert made.status_code == 201, made.content
    assert made.json()["flap_interval_s"] == 30 and made.json()["kind"] == "generic"


def test_support_staff_read_and_managers_write(call, base, manager_key, support_key):
    made = call("POST", base, manager_key, {"integration": {"name": "P", "kind": "generic"}})
    one = f"{base}/{made.json()['id']}"
    assert call("GET", base, support_key).status_code == 200
    assert call("GET", one, support_key).status_code == 200
    for method, path, body in [
        ("POST", base, {"integration": {"name": "Q", "kind": "generic"}}),
        ("PATCH", one, {"integration": {"name": "R"}}),
        ("POST", f"{one}/rotate", None),
        ("DELETE", one, None),
    ]:
        refused = call(method, path, support_key, body)
        assert refused.status_code == 403 and "error" in refused.json(), (method, path)
    assert Integration.objects.get().name == "P"


def test_no_key_another_page_and_unknown_ids(call, client, base, manager_key):
    assert call("GET", base, "").status_code == 401
    assert call("GET", base, "wrong-key-" + "x" * 30).status_code == 401
    other = base.replace(settings.STATUSPAGE_PAGE_ID, "not-our-page")
    assert call("GET", other, manager_key).status_code == 404
    for method in ("GET", "PATCH", "DELETE"):
        answer = call(method, f"{base}/nosuchid", manager_key, {"integration": {}})
        assert answer.status_code == 404 and "error" in answer.json()
    assert call("POST", f"{base}/nosuchid/rotate", manager_key).status_code == 404
    assert call("PUT", f"{base}/nosuchid/rotate", manager_key).status_code == 405
