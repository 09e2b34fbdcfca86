"""Pods in the APIs: `?component=` narrows the public answers (an addition to Statuspage's
shape); the management API upserts the account → pod mapping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.pods.models import AccountPod
from incidents.pods.services import account_upsert


@pytest.fixture
def spread(pods, billing, make_incident):
    return {
        "mine": make_incident(name="Pod 13 slow", components={pods["Pod 13"]: "partial_outage"}),
        "other": make_incident(
            name="Pod 14 and Billing", components={pods["Pod 14"]: "major_outage",
                                                   billing: "major_outage"},
        ),
        "product": make_incident(name="Billing late", components={billing: "degraded_performance"}),
    }  # fmt: skip


# Every endpoint of the public API, under /api/v2/.
PUBLIC_ENDPOINTS = [
    "summary.json", "status.json", "components.json", "incidents.json",
    "incidents/unresolved.json", "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json",
]  # fmt: skip
# The page's own settings, the same for every reader: nothing to narrow.
UNFILTERED_ENDPOINTS = ["embed.json"]


def _names(items) -> set[str]:
    return {item["name"] for item in items}


def _maintenance(name: str, pod, *, started: bool = False):
    soon = timezone.now() + timedelta(days=1)
    maintenance = services.maintenance_schedule(
        name=name, body="Upgrade.", scheduled_for=soon, scheduled_until=soon + timedelta(hours=1),
        components=[pod], deliver_notifications=False,
    )  # fmt: skip
    if started:
        services.maintenance_start(maintenance)
    return maintenance


def test_summary_of_a_pod_follows_the_pod_page_rule(client, pods, billing, spread):
    data = client.get("/api/v2/summary.json", {"component": pods["Pod 13"].public_id}).json()
    assert _names(data["incidents"]) == {"Pod 13 slow", "Billing late"}
    listed = {c["name"]: c for c in data["components"]}
    assert set(listed) == {"Pods", "Pod 13", "Products", "Billing"}
    assert listed["Pods"]["components"] == [pods["Pod 13"].public_id]
    assert set(data) == {"page", "components", "incidents", "scheduled_maintenances", "status"}


def test_every_public_endpoint_takes_the_filter(client, pods, billing, spread):
    document = client.get("/api/openapi.json").json()
    assert {path for path in document["paths"] if path.startswith("/api/v2/")} == {
        f"/api/v2/{endpoint}" for endpoint in PUBLIC_ENDPOINTS + UNFILTERED_ENDPOINTS
    }
    for pod in ("Pod 13", "Pod 14"):
        _maintenance(f"{pod} upgrade", pods[pod])
        _maintenance(f"{pod} repair", pods[pod], started=True)
    pod14 = {"component": pods["Pod 14"].public_id}
    summary = client.get("/api/v2/summary.json", pod14).json()
    assert _names(summary["incidents"]) == {"Pod 14 and Billing", "Billing late"}
    assert _names(summary["scheduled_maintenances"]) == {"Pod 14 upgrade", "Pod 14 repair"}
    unresolved = client.get("/api/v2/incidents/unresolved.json", pod14).json()["incidents"]
    assert _names(unresolved) == {"Pod 14 and Billing", "Billing late"}
    recent = client.get("/api/v2/incidents.json", pod14).json()["incidents"]
    assert _names(recent) == {"Pod 14 and Billing", "Billing late"}
    components = client.get("/api/v2/components.json", pod14).json()["components"]
    assert "Pod 13" not in _names(components) and "Pod 14" in _names(components)
    assert client.get("/api/v2/status.json", pod14).json()["status"]["indicator"] == "critical"
    maintenances = {
        endpoint: _names(client.get(f"/api/v2/{endpoint}", pod14).json()["scheduled_maintenances"])
        for endpoint in PUBLIC_ENDPOINTS
        if endpoint.startswith("scheduled-maintenances")
    }
    assert maintenances == {
        "scheduled-maintenances.json": {"Pod 14 upgrade", "Pod 14 repair"},
        "scheduled-maintenances/upcoming.json": {"Pod 14 upgrade"},
        "scheduled-maintenances/active.json": {"Pod 14 repair"},
    }
    # Pod 13's partial outage, not Pod 14's major one.
    pod13 = {"component": pods["Pod 13"].public_id}
    assert client.get("/api/v2/status.json", pod13).json()["status"]["indicator"] == "major"


def test_a_product_filter_keeps_that_product_and_its_incidents(client, billing, spread):
    data = client.get("/api/v2/summary.json", {"component": billing.public_id}).json()
    assert _names(data["incidents"]) == {"Pod 14 and Billing", "Billing late"}
    assert _names(data["components"]) == {"Billing", "Products"}


def test_without_the_filter_nothing_changes_and_unknown_ids_are_404(client, spread):
    assert len(client.get("/api/v2/summary.json").json()["incidents"]) == 3
    missing = client.get("/api/v2/summary.json", {"component": "nosuchthing0"})
    assert missing.status_code == 404 and "error" in missing.json()


def test_incidents_json_leaves_maintenance_to_its_own_endpoints(client, pods, spread):
    soon = timezone.now() + timedelta(days=1)
    services.maintenance_schedule(
        name="Upgrade",
        body="Upgrade.",
        scheduled_for=soon,
        scheduled_until=soon + timedelta(hours=1),
        components=[pods["Pod 13"]],
        deliver_notifications=False,
    )
    response = client.get("/api/v2/incidents.json")
    assert response.status_code == 200
    assert "Upgrade" not in _names(response.json()["incidents"])


def test_the_filter_is_documented(client, db):
    document = client.get("/api/openapi.json").json()
    parameters = document["paths"]["/api/v2/summary.json"]["get"]["parameters"]
    described = {p["name"]: p.get("description", "") for p in parameters}
    assert set(described) == {"component", "lang"}
    assert "pod" in described["component"]


def test_identifiers_never_reach_the_public_api(client, pods, spread):
    account_upsert("acme", pods["Pod 13"])
    _maintenance("Pod 13 upgrade", pods["Pod 13"])
    _maintenance("Pod 13 repair", pods["Pod 13"], started=True)
    for endpoint in PUBLIC_ENDPOINTS:
        for query in ({}, {"component": pods["Pod 13"].public_id}):
            answer = client.get(f"/api/v2/{endpoint}", query)
            assert answer.status_code == 200, (endpoint, query)
            assert "acme" not in answer.text, (endpoint, query)


# Management API


def test_manager_upserts_an_account(call, v1, manager_key, pods):
    body = {
        "account": {"identifier": "https://Acme.example.com", "pod_id": pods["Pod 13"].public_id}
    }
    created = call("POST", f"{v1}/accounts", manager_key, body)
    assert created.status_code == 201
    assert created.json()["identifier"] == "acme"
    assert created.json()["pod_id"] == pods["Pod 13"].public_id
    body["account"]["pod_id"] = pods["Pod 14"].public_id
    moved = call("PUT", f"{v1}/accounts", manager_key, body)
    assert moved.status_code == 200 and moved.json()["pod_id"] == pods["Pod 14"].public_id
    assert AccountPod.objects.get().pod == pods["Pod 14"]


def test_upsert_refuses_bad_input_with_422(call, v1, manager_key, pods, billing):
    for fields in [
        {"identifier": "acme", "pod_id": "nosuchpod000"},
        {"identifier": "acme", "pod_id": billing.public_id},  # not a pod
        {"identifier": "not valid!", "pod_id": pods["Pod 13"].public_id},
        {"identifier": "acme", "pod_id": pods["Pod 13"].public_id, "extra": 1},
    ]:
        response = call("POST", f"{v1}/accounts", manager_key, {"account": fields})
        assert response.status_code == 422, fields
        assert "error" in response.json()
    assert not AccountPod.objects.exists()


def test_bulk_upsert_is_all_or_nothing(call, v1, manager_key, pods):
    account_upsert("acme", pods["Pod 13"])
    good = {"accounts": [
        {"identifier": "acme", "pod_id": pods["Pod 14"].public_id},
        {"identifier": "globex", "pod_id": pods["Pod 14"].public_id},
    ]}  # fmt: skip
    bad = {
        "accounts": [*good["accounts"], {"identifier": "x!", "pod_id": pods["Pod 13"].public_id}]
    }
    refused = call("POST", f"{v1}/accounts/bulk", manager_key, bad)
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("accounts[2]: ")
    assert dict(AccountPod.objects.values_list("identifier", "pod__name")) == {"acme": "Pod 13"}
    response = call("POST", f"{v1}/accounts/bulk", manager_key, good)
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0}


def test_account_endpoints_need_the_permission_and_a_key(call, v1, support_key, pods):
    body = {"account": {"identifier": "acme", "pod_id": pods["Pod 13"].public_id}}
    assert call("POST", f"{v1}/accounts", support_key, body).status_code == 403
    assert call("POST", f"{v1}/accounts", None, body).status_code == 401
    bulk = {"accounts": [body["account"]]}
    assert call("POST", f"{v1}/accounts/bulk", support_key, bulk).status_code == 403
    assert call("POST", f"{v1}/accounts/bulk", None, bulk).status_code == 401
    assert call("POST", "/api/v1/pages/otherpage000/accounts", support_key, body).status_code in (
        403,
        404,
    )
    assert not AccountPod.objects.exists()
