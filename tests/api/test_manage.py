"""The management API: the same services as the admin, Statuspage's bodies and errors."""

import pytest

from incidents.api.models import ApiKey
from incidents.api.services import api_key_create, api_key_revoke
from incidents.models import Component, ComponentGroup, Incident


def test_create_incident_posts_first_update_and_sets_components(call, v1, manager_key, pods):
    response = call("POST", f"{v1}/incidents", manager_key, {"incident": {
        "name": "Pod 13 logins fail", "status": "investigating", "body": "Looking into it.",
        "components": {pods["Pod 13"].public_id: "major_outage"},
        "deliver_notifications": False,
    }})  # fmt: skip
    assert response.status_code == 201
    data = response.json()
    assert data["impact"] == "critical"  # derived from the worst component status
    assert data["incident_updates"][0]["body"] == "Looking into it."
    assert data["incident_updates"][0]["deliver_notifications"] is False
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == "major_outage"
    incident = Incident.objects.get(public_id=data["id"])
    assert incident.updates.get().author.username == "manager"


def test_patch_with_status_posts_an_update_and_resolving_restores(call, v1, manager_key, pods):
    components = {pods["Pod 14"].public_id: "degraded_performance"}
    created = call("POST", f"{v1}/incidents", manager_key, {"incident": {
        "name": "Slow", "body": "Slow.", "components": components,
    }}).json()  # fmt: skip
    response = call("PATCH", f"{v1}/incidents/{created['id']}", manager_key,
                    {"incident": {"status": "resolved", "body": "Fixed."}})  # fmt: skip
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "resolved" and data["resolved_at"]
    assert [u["status"] for u in data["incident_updates"]] == ["resolved", "investigating"]
    pods["Pod 14"].refresh_from_db()
    assert pods["Pod 14"].status == "operational"


def test_backfilled_incident(call, v1, manager_key, pods):
    response = call("POST", f"{v1}/incidents", manager_key, {"incident": {
        "name": "Old one", "backfilled": True, "backfill_date": "2024-03-20",
        "body": "Recorded after the fact.", "impact_override": "minor",
    }})  # fmt: skip
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "resolved"
    assert data["started_at"].startswith("2024-03-20")


def test_edit_update_body(call, v1, manager_key, make_incident):
    incident = make_incident()
    update = incident.updates.get()
    response = call(
        "PATCH", f"{v1}/incidents/{incident.public_id}/incident_updates/{update.public_id}",
        manager_key, {"incident_update": {"body": "Corrected."}},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["body"] == "Corrected."
    update.refresh_from_db()
    assert update.body == "Corrected."


def test_components_and_groups_crud(call, v1, manager_key, pods):
    created = call("POST", f"{v1}/components", manager_key,
                   {"component": {"name": "Voice", "status": "operational"}})  # fmt: skip
    assert created.status_code == 201
    cid = created.json()["id"]
    group = call("POST", f"{v1}/component-groups", manager_key,
                 {"description": "Phone", "component_group": {"name": "Telephony",
                                                               "components": [cid]}})  # fmt: skip
    assert group.status_code == 201
    assert group.json()["components"] == [cid]
    patched = call("PATCH", f"{v1}/components/{cid}", manager_key,
                   {"component": {"status": "partial_outage"}})  # fmt: skip
    assert patched.json()["status"] == "partial_outage"
    assert patched.json()["group_id"] == group.json()["id"]
    # As Statuspage: 200 with the deleted object, which its clients parse.
    deleted = call("DELETE", f"{v1}/components/{cid}", manager_key)
    assert deleted.status_code == 200 and deleted.json()["id"] == cid
    assert not Component.objects.filter(public_id=cid).exists()
    assert ComponentGroup.objects.filter(name="Telephony").exists()
    gone = call("DELETE", f"{v1}/component-groups/{group.json()['id']}", manager_key)
    assert gone.status_code == 200 and gone.json()["name"] == "Telephony"
    assert not ComponentGroup.objects.filter(name="Telephony").exists()


def test_support_key_sets_status_but_cannot_delete_or_rename(call, v1, support_key, pods):
    pid = pods["Pod 13"].public_id
    ok = call("PATCH", f"{v1}/components/{pid}", support_key,
              {"component": {"status": "under_maintenance"}})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["status"] == "under_maintenance"
    renamed = call("PATCH", f"{v1}/components/{pid}", support_key,
                   {"component": {"name": "Hacked"}})  # fmt: skip
    assert renamed.status_code == 403
    assert call("DELETE", f"{v1}/components/{pid}", support_key).status_code == 403
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].name == "Pod 13"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"incident": {"name": "X", "status": "exploded"}}, "incident.status"),
        ({"incident": {"name": "X", "colour": "red"}}, "Extra inputs are not permitted"),
        ({"incident": {"name": 12, "body": ["x"]}}, "incident.name"),
        ({"incident": {"name": "X", "components": {"nope": "major_outage"}}}, "Unknown component"),
        ({"incident": {"body": "no name"}}, "name is required"),
        ({"wrong": {}}, "incident"),
    ],
)
def test_bad_bodies_get_422_and_change_nothing(call, v1, manager_key, pods, body, message):
    response = call("POST", f"{v1}/incidents", manager_key, body)
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert not Incident.objects.exists()


def test_malformed_json_is_refused(client, v1, manager_key, db):
    response = client.post(
        f"{v1}/incidents", data="{not json", content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {manager_key}",
    )  # fmt: skip
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    assert not Incident.objects.exists()


def test_missing_wrong_and_revoked_keys_get_401(call, v1, manager_user, db):
    assert call("GET", f"{v1}/incidents", None).status_code == 401
    assert call("GET", f"{v1}/incidents", "not-a-key").json() == {"error": "Could not authenticate"}
    row, key = api_key_create(manager_user)
    assert call("GET", f"{v1}/incidents", key).status_code == 200
    api_key_revoke(row)
    assert call("GET", f"{v1}/incidents", key).status_code == 401


def test_another_page_and_unknown_ids_are_404(call, manager_key, v1, db):
    assert call("GET", "/api/v1/pages/otherpage00/incidents", manager_key).status_code == 404
    response = call("GET", f"{v1}/incidents/doesnotexist", manager_key)
    assert response.status_code == 404
    assert response.json() == {"error": "The requested resource could not be found."}


def test_rate_limit_answers_420(call, v1, manager_key, settings, db):
    settings.API_RATE = "3/m"
    codes = [call("GET", f"{v1}/components", manager_key).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 420]


def test_keys_are_stored_as_a_digest_and_a_prefix_only(manager_user):
    """What the row keeps cannot give the key back (that it is shown only once, at creation,
    is tests/access/test_secrets.py's)."""
    row, key = api_key_create(manager_user)
    stored = ApiKey.objects.get(pk=row.pk)
    assert len(stored.digest) == 64 and stored.prefix == key[:8]
    for value in ApiKey.objects.filter(pk=row.pk).values().get().values():
        assert key not in str(value) and key[8:] not in str(value)


def test_create_api_key_command(manager_user, capsys):
    from django.core.management import call_command

    call_command("create_api_key", "manager")
    key = capsys.readouterr().out.strip()
    assert len(key) >= 40
    assert ApiKey.objects.filter(user=manager_user).count() == 1
