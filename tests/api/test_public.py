"""The public API as widgets read it: Statuspage v2 shapes, CORS, conditional GET."""

import re

import pytest

from incidents import services
from tests.conftest import utc

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def open_incident(make_incident, pods):
    return make_incident(
        name="Pod 13 errors", impact_override="major", body="Investigating errors on Pod 13.",
        display_at=utc(2024, 3, 20, 20, 59), started_at=utc(2024, 3, 20, 19),
    )  # fmt: skip


def test_summary_has_statuspage_shape(client, open_incident, pods, settings):
    data = client.get("/api/v2/summary.json").json()
    assert set(data) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(data["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert data["page"]["id"] == settings.STATUSPAGE_PAGE_ID
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    [incident] = data["incidents"]
    assert incident["id"] == open_incident.public_id
    assert incident["impact"] == "major"
    assert incident["started_at"] == "2024-03-20T19:00:00.000Z"
    assert incident["shortlink"].endswith(f"/incidents/{open_incident.public_id}/")
    [update] = incident["incident_updates"]
    assert update["display_at"] == "2024-03-20T20:59:00.000Z"
    assert update["affected_components"] == [
        {"code": pods["Pod 13"].public_id, "name": "Pod 13", "old_status": "operational",
         "new_status": "partial_outage"}
    ]  # fmt: skip
    assert ISO.match(update["created_at"])


def test_components_list_groups_with_their_members(client, pods):
    components = client.get("/api/v2/components.json").json()["components"]
    group = next(c for c in components if c["group"])
    members = [c for c in components if c["group_id"] == group["id"]]
    assert group["name"] == "Pods"
    assert sorted(group["components"]) == sorted(m["id"] for m in members)
    assert all("components" not in m for m in members)
    assert set(members[0]) == {
        "id", "name", "status", "created_at", "updated_at", "position", "description",
        "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
    }  # fmt: skip


def test_unresolved_and_recent_incidents(client, open_incident, make_incident):
    done = make_incident(name="Done")
    services.incident_resolve(done, body="Fixed.")
    unresolved = client.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    assert [i["name"] for i in unresolved] == ["Pod 13 errors"]
    recent = client.get("/api/v2/incidents.json").json()["incidents"]
    assert {i["name"] for i in recent} == {"Pod 13 errors", "Done"}
    resolved = next(i for i in recent if i["name"] == "Done")
    assert resolved["status"] == "resolved" and ISO.match(resolved["resolved_at"])
    # Newest update first, as Statuspage orders them.
    assert [u["status"] for u in resolved["incident_updates"]] == ["resolved", "investigating"]


def test_status_json(client, pods):
    data = client.get("/api/v2/status.json").json()
    assert data["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_cross_origin_reads_are_allowed(client, pods):
    response = client.get("/api/v2/summary.json", HTTP_ORIGIN="https://widget.example")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_conditional_get_answers_304_until_something_changes(client, pods):
    first = client.get("/api/v2/summary.json")
    etag = first["ETag"]
    assert client.get("/api/v2/summary.json", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.component_set_status(pods["Pod 14"], "major_outage")
    again = client.get("/api/v2/summary.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again.json()["status"]["indicator"] == "critical"


def test_unknown_path_is_a_json_404(client, db):
    response = client.get("/api/v2/nothing-here.json")
    assert response.status_code == 404


def test_incidents_json_lists_incidents_not_maintenance(client, make_incident, pods):
    from datetime import timedelta

    from django.utils import timezone

    incident = make_incident()
    start = timezone.now() + timedelta(days=1)
    services.maintenance_schedule(
        name="Database upgrade",
        body="We will upgrade the database.",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        components=[pods["Pod 14"]],
    )
    response = client.get("/api/v2/incidents.json")
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["incidents"]] == [incident.public_id]


def test_groups_and_components_come_in_the_page_order(client, db, call, v1, manager_key):
    from incidents.models import Component, ComponentGroup

    products = services.group_save(ComponentGroup(name="Products", position=2))
    pods_group = services.group_save(ComponentGroup(name="Pods", position=1))
    services.component_save(Component(name="Status site", position=0))
    for name in ("Pod 13", "Pod 14"):
        services.component_save(Component(name=name, group=pods_group))
    services.component_save(Component(name="Billing", group=products))
    # Created through the API without a position: after the last one of its group.
    created = call("POST", f"{v1}/components", manager_key,
                   {"component": {"name": "Pod 17", "group_id": pods_group.public_id}})  # fmt: skip
    assert created.json()["position"] == 2
    names = [row["name"] for row in client.get("/api/v2/components.json").json()["components"]]
    assert names == ["Status site", "Pods", "Pod 13", "Pod 14", "Pod 17", "Products", "Billing"]


def test_status_says_maintenance_while_nothing_worse_happens(client, pods):
    services.component_set_status(pods["Pod 17"], "under_maintenance")
    assert client.get("/api/v2/status.json").json()["status"] == {
        "indicator": "maintenance",
        "description": "Service Under Maintenance",
    }
    services.component_set_status(pods["Pod 13"], "partial_outage")
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "major"


def test_an_incident_with_a_published_postmortem_answers_postmortem(client, make_incident):
    incident = make_incident(name="Slow search")
    services.incident_resolve(incident, body="Fixed.")
    draft = services.postmortem_save_draft(incident, root_cause="A full disk.")
    [row] = client.get("/api/v2/incidents.json").json()["incidents"]
    assert row["status"] == "resolved"
    services.postmortem_publish(draft)
    [row] = client.get("/api/v2/incidents.json").json()["incidents"]
    assert row["status"] == "postmortem"


def test_a_maintenance_starts_when_it_is_announced_as_in_statuspage(client, pods):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    maintenance = services.maintenance_schedule(
        name="Pod 17 upgrade",
        body="We will upgrade Pod 17.",
        scheduled_for=now + timedelta(days=2),
        scheduled_until=now + timedelta(days=2, hours=1),
        components=[pods["Pod 17"]],
    )
    [row] = client.get("/api/v2/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert row["started_at"][:19] == maintenance.created_at.isoformat()[:19]
    assert row["scheduled_for"] > row["started_at"]
