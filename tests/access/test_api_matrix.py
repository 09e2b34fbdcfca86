"""Every management-API write, tried with no key, a wrong key, a revoked key, and the keys of
"Support staff" and "Incident managers": allowed exactly where the roles say, and a refused
attempt changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from incidents.api.services import api_key_create, api_key_revoke
from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

from .conftest import World, snapshot

NO_KEY, BAD_KEY, REVOKED, SUPPORT, MANAGER = "no key", "bad key", "revoked", "support", "manager"
KEYS = [NO_KEY, BAD_KEY, REVOKED, SUPPORT, MANAGER]
STAFF = {SUPPORT, MANAGER}
MANAGERS = {MANAGER}


@dataclass
class Call:
    name: str
    method: str
    path: Callable[[World], str]
    body: dict | Callable[[World], dict] | None
    allowed: set[str]
    ok: int = 200


CALLS = [
    Call("component create", "POST", lambda w: "components",
         {"component": {"name": "Billing"}}, MANAGERS, 201),
    Call("component rename", "PATCH", lambda w: f"components/{w.pod.public_id}",
         {"component": {"name": "Renamed"}}, MANAGERS),
    Call("component status", "PATCH", lambda w: f"components/{w.other.public_id}",
         {"component": {"status": "degraded_performance"}}, STAFF),
    Call("component delete", "DELETE", lambda w: f"components/{w.pod.public_id}",
         None, MANAGERS, 200),
    Call("group create", "POST", lambda w: "component-groups",
         {"component_group": {"name": "Products"}}, MANAGERS, 201),
    Call("group update", "PATCH", lambda w: f"component-groups/{w.group.public_id}",
         {"component_group": {"name": "Renamed"}}, MANAGERS),
    Call("incident create", "POST", lambda w: "incidents",
         {"incident": {"name": "New", "status": "investigating", "body": "Looking."}}, STAFF, 201),
    Call("incident post update", "PATCH", lambda w: f"incidents/{w.incident.public_id}",
         {"incident": {"status": "identified", "body": "Found it."}}, STAFF),
    Call("incident rename", "PATCH", lambda w: f"incidents/{w.incident.public_id}",
         {"incident": {"name": "Renamed"}}, MANAGERS),
    Call("incident delete", "DELETE", lambda w: f"incidents/{w.incident.public_id}",
         None, MANAGERS),
    Call("update correct", "PATCH",
         lambda w: f"incidents/{w.incident.public_id}/incident_updates/"
         f"{w.incident.updates.first().public_id}",
         {"incident_update": {"body": "Corrected."}}, MANAGERS),
    Call("maintenance schedule", "POST", lambda w: "incidents",
         {"incident": {"name": "Upgrade", "body": "Upgrading.",
                       "scheduled_for": "2099-01-01T10:00:00Z",
                       "scheduled_until": "2099-01-01T11:00:00Z"}}, MANAGERS, 201),
    Call("maintenance start", "PATCH", lambda w: f"incidents/{w.maintenance.public_id}",
         {"incident": {"status": "in_progress", "body": "Started."}}, STAFF),
    Call("postmortem draft", "PUT", lambda w: f"incidents/{w.resolved.public_id}/postmortem",
         {"postmortem": {"body_draft": "More detail."}}, STAFF),
    Call("postmortem publish", "PUT",
         lambda w: f"incidents/{w.resolved.public_id}/postmortem/publish", {}, MANAGERS),
    Call("postmortem revert", "PUT",
         lambda w: f"incidents/{w.published.incident.public_id}/postmortem/revert",
         None, MANAGERS),
    Call("template create", "POST", lambda w: "incident_templates",
         {"template": {"name": "Down", "title": "Down", "body": "It is down."}}, MANAGERS, 201),
    Call("subscriber create", "POST", lambda w: "subscribers",
         {"subscriber": {"email": "new@example.com"}}, MANAGERS, 201),
    Call("subscriber unsubscribe", "DELETE",
         lambda w: f"subscribers/{w.subscriber.public_id}", None, MANAGERS),
    Call("account upsert", "POST", lambda w: "accounts",
         lambda w: {"account": {"identifier": "globex", "pod_id": w.pod.public_id}},
         MANAGERS, 201),
]  # fmt: skip


def _key(actor: str) -> str:
    if actor == NO_KEY:
        return ""
    if actor == BAD_KEY:
        return "not-a-key-" + "x" * 30
    role = INCIDENT_MANAGERS if actor in (MANAGER, REVOKED) else SUPPORT_STAFF
    user = get_user_model().objects.create_user(f"api-{actor}", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    row, key = api_key_create(user)
    if actor == REVOKED:
        api_key_revoke(row)
    return key


@pytest.mark.parametrize("actor", KEYS)
@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_api_write(world, call, actor, settings):
    settings.API_RATE = "10000/m"
    key = _key(actor)
    headers = {"HTTP_AUTHORIZATION": f"OAuth {key}"} if key else {}
    path = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}/{call.path(world)}"
    body = call.body(world) if callable(call.body) else call.body
    before = snapshot()
    response = Client().generic(
        call.method,
        path,
        data=b"" if body is None else json.dumps(body),
        content_type="application/json",
        **headers,
    )
    after = snapshot()
    if actor in call.allowed:
        assert response.status_code == call.ok, response.content
        assert after != before
    else:
        expected = 401 if actor in (NO_KEY, BAD_KEY, REVOKED) else 403
        assert response.status_code == expected, response.content
        assert "error" in response.json()
        assert after == before


def test_the_page_id_must_match(world, settings):
    key = _key(MANAGER)
    response = Client().post(
        "/api/v1/pages/not-our-page/components",
        data={"component": {"name": "X"}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {key}",
    )
    assert response.status_code == 404
    assert settings.STATUSPAGE_PAGE_ID != "not-our-page"
