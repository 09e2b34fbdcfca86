"""The staff side: an integration made in the admin shows its URL once; the rotate action
gives a new one; the service's refusals show on the form; support staff only read."""

from __future__ import annotations

import json
import re

from django.contrib.messages import get_messages
from django.urls import reverse

from incidents.audit.models import AuditLog
from incidents.monitoring.models import Integration

from .conftest import am_alert, am_payload, hook_path

ADD = reverse("admin:monitoring_integration_add")
LIST = reverse("admin:monitoring_integration_changelist")


def _form(**changes) -> dict:
    data = {
        "name": "Prometheus",
        "kind": "alertmanager",
        "update_components": "on",
        "open_draft_incident": "on",
        "component_label": "component",
        "severity_map": json.dumps({"critical": "major_outage"}),
        "flap_interval_s": "0",
        "heartbeat_minutes": "",
        "template": "",
    }
    data.update(changes)
    return data


def _url_in(messages) -> str:
    (found,) = [m for m in (str(m) for m in messages) if "/hooks/" in m]
    return re.search(r"(http\S+/hooks/\S+/)", found).group(1)


def test_adding_shows_the_url_once(manager_client, post, world):
    response = manager_client.post(ADD, _form(), follow=True)
    assert response.status_code == 200
    url = _url_in(get_messages(response.wsgi_request))
    integration = Integration.objects.get()
    assert "not shown again" in response.text
    path = hook_path(url)
    secret = path.split("/")[2]
    for page in (LIST, reverse("admin:monitoring_integration_change", args=[integration.pk])):
        assert secret not in manager_client.get(page).text
    entry = AuditLog.objects.get(action="integration.create")
    assert secret not in json.dumps(entry.after) and integration.secret_hash not in json.dumps(
        entry.after
    )
    assert post(path, am_payload(am_alert())).status_code == 200


def test_the_rotate_action_gives_a_new_url_and_the_old_one_stops(manager_client, post, world):
    response = manager_client.post(ADD, _form(), follow=True)
    old = hook_path(_url_in(get_messages(response.wsgi_request)))
    integration = Integration.objects.get()
    rotated = manager_client.post(
        LIST, {"action": "rotate_secret", "_selected_action": [integration.pk]}, follow=True
    )
    new = hook_path(_url_in(get_messages(rotated.wsgi_request)))
    assert new != old
    assert post(old, am_payload(am_alert())).status_code == 404
    assert post(new, am_payload(am_alert())).status_code == 200


def test_the_services_refusals_show_on_the_form(manager_client, db):
    response = manager_client.post(ADD, _form(severity_map=json.dumps({"critical": "down"})))
    assert response.status_code == 200
    assert "maps to &#x27;down&#x27;, which is not a component status" in response.text
    response = manager_client.post(ADD, _form(component_label="not a label"))
    assert "The component label is a label name" in response.text
    assert not Integration.objects.exists()


def test_changing_and_deleting_go_through_the_services(manager_client, make_integration, world):
    integration, _path = make_integration()
    change = reverse("admin:monitoring_integration_change", args=[integration.pk])
    response = manager_client.post(change, _form(name="Renamed", flap_interval_s="60"))
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "Renamed" and integration.flap_interval_s == 60
    assert AuditLog.objects.filter(action="integration.update").exists()
    delete = reverse("admin:monitoring_integration_delete", args=[integration.pk])
    assert manager_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Integration.objects.exists()
    assert AuditLog.objects.filter(action="integration.delete").exists()


def test_support_staff_read_but_do_not_change(support_client, make_integration, world):
    integration, _path = make_integration()
    assert support_client.get(LIST).status_code == 200
    assert support_client.get(ADD).status_code == 403
    refused = support_client.post(
        LIST, {"action": "rotate_secret", "_selected_action": [integration.pk]}
    )
    assert refused.status_code in (200, 302, 403)
    assert Integration.objects.get().secret_hash == integration.secret_hash
    assert support_client.get(reverse("admin:monitoring_alertstate_changelist")).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    assert client.get(LIST).status_code == 302
