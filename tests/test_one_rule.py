"""A rule of the domain holds the same through every way in: the service, the admin and the
management API refuse the same input, and the refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.api.services import api_key_create
from incidents.models import Incident
from tests.conftest import incident_change_data

V1 = "/api/v1/pages/demo0page0id"


@pytest.fixture
def key(manager_user):
    return api_key_create(manager_user)[1]


def _api(client, key, method, path, body):
    return getattr(client, method)(
        f"{V1}{path}", body, content_type="application/json", HTTP_AUTHORIZATION=f"OAuth {key}"
    )


def test_impact_cannot_start_in_the_future_anywhere(client, manager_client, key, pods):
    later = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match="future"):
        services.incident_create(name="Later", body="Not yet.", started_at=later)
    response = _api(client, key, "post", "/incidents", {"incident": {
        "name": "Later", "backfilled": True, "backfill_date": later.isoformat(), "body": "No.",
    }})  # fmt: skip
    assert response.status_code == 422 and "future" in response.json()["error"]
    response = manager_client.post(reverse("admin:incidents_incident_add"), {
        "name": "Later", "impact_override": "minor", "status": "investigating", "body": "Not yet.",
        "started_at": later.strftime("%Y-%m-%d %H:%M:%S"),
    })  # fmt: skip
    assert response.status_code == 200 and "cannot start in the future" in response.text
    assert not Incident.objects.exists()


def test_moving_an_open_impact_into_the_future_is_refused_anywhere(
    client, manager_client, key, make_incident
):
    incident = make_incident(name="Now")
    later = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match="future"):
        services.incident_edit(incident, started_at=later)
    url, data = incident_change_data(manager_client, incident, started_at=later)
    response = manager_client.post(url, data)
    assert response.status_code == 200 and "cannot start in the future" in response.text
    assert Incident.objects.get().started_at == incident.started_at


def test_an_incident_never_puts_components_under_maintenance(client, support_client, key, pods):
    pod = pods["Pod 13"]
    with pytest.raises(ValidationError, match="maintenance"):
        services.incident_create(name="X", body="Y", components={pod: "under_maintenance"})
    response = _api(client, key, "post", "/incidents", {"incident": {
        "name": "X", "body": "Y", "components": {pod.public_id: "under_maintenance"},
    }})  # fmt: skip
    assert response.status_code == 422 and "maintenance" in response.json()["error"]
    response = support_client.post(reverse("admin:incidents_incident_add"), {
        "name": "X", "impact_override": "minor", "status": "investigating", "body": "Y",
        f"component_{pod.pk}": "under_maintenance",
    })  # fmt: skip
    assert response.status_code == 200
    assert not Incident.objects.exists()
    pod.refresh_from_db()
    assert pod.status == "operational"


def test_a_message_has_a_length_limit_anywhere(client, support_client, key, make_incident):
    incident = make_incident()
    huge = "x" * 30_000
    with pytest.raises(ValidationError, match="25,000"):
        services.update_post(incident, status="identified", body=huge)
    response = _api(client, key, "patch", f"/incidents/{incident.public_id}",
                    {"incident": {"status": "identified", "body": huge}})  # fmt: skip
    assert response.status_code == 422 and "25,000" in response.json()["error"]
    url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    response = support_client.post(url, {"status": "identified", "body": huge})
    assert response.status_code == 200
    assert incident.updates.count() == 1


def test_the_impact_follows_the_worst_component_anywhere(client, support_client, key, pods):
    """Statuspage's rule, decided in the service: the same components give the same impact
    through the service, the admin and the API, and it rises when an update worsens one."""
    pod, other = pods["Pod 13"], pods["Pod 14"]
    by_service = services.incident_create(
        name="Service", body="Slow.", components={pod: "partial_outage"}
    )
    by_api = _api(client, key, "post", "/incidents", {"incident": {
        "name": "API", "body": "Slow.", "components": {pod.public_id: "partial_outage"},
    }}).json()  # fmt: skip
    support_client.post(reverse("admin:incidents_incident_add"), {
        "name": "Admin", "status": "investigating", "body": "Slow.",
        f"component_{pod.pk}": "partial_outage",
    })  # fmt: skip
    by_admin = Incident.objects.get(name="Admin")
    assert {by_service.impact, by_api["impact"], by_admin.impact} == {"major"}
    assert by_api["impact_override"] is None

    services.update_post(by_admin, status="identified", body="Worse.",
                         components={other: "major_outage"})  # fmt: skip
    _api(client, key, "patch", f"/incidents/{by_api['id']}", {"incident": {
        "status": "identified", "body": "Worse.", "components": {other.public_id: "major_outage"},
    }})  # fmt: skip
    assert Incident.objects.get(pk=by_admin.pk).impact == "critical"
    assert Incident.objects.get(public_id=by_api["id"]).impact == "critical"
    # Recovering does not make the incident look milder than it was.
    services.update_post(by_admin, status="monitoring", body="Better.",
                         components={other: "operational"})  # fmt: skip
    assert Incident.objects.get(pk=by_admin.pk).impact == "critical"


def test_an_impact_override_wins_anywhere(client, support_client, key, pods):
    pod = pods["Pod 13"]
    by_api = _api(client, key, "post", "/incidents", {"incident": {
        "name": "API", "body": "Slow.", "impact_override": "minor",
        "components": {pod.public_id: "major_outage"},
    }}).json()  # fmt: skip
    support_client.post(reverse("admin:incidents_incident_add"), {
        "name": "Admin", "status": "investigating", "body": "Slow.", "impact_override": "minor",
        f"component_{pod.pk}": "major_outage",
    })  # fmt: skip
    assert (by_api["impact"], by_api["impact_override"]) == ("minor", "minor")
    assert Incident.objects.get(name="Admin").impact == "minor"
