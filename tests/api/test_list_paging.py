"""Every list of the management API takes `page`, `per_page` and `limit` as Statuspage's
clients send them: a page of that size, the next page after it, and a clear 422 for a page or
size out of range."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import ComponentGroup, IncidentStatus, IncidentTemplate

LISTS = [
    "component-groups", "components", "incidents", "incidents/unresolved",
    "incidents/upcoming", "incidents/active_maintenance", "incidents/scheduled",
    "incident_templates",
]  # fmt: skip


@pytest.fixture
def three_of_each(pods, make_incident):
    for name in ("Regions", "Products", "Partners"):
        services.group_save(ComponentGroup(name=name))
    for n in range(3):
        make_incident(name=f"Incident {n}")
        soon = timezone.now() + timedelta(days=n + 1)
        upcoming = services.maintenance_schedule(
            name=f"Upgrade {n}", body="Upgrade.", scheduled_for=soon,
            scheduled_until=soon + timedelta(hours=1), components=[pods["Pod 13"]],
            deliver_notifications=False,
        )  # fmt: skip
        running = services.maintenance_schedule(
            name=f"Repair {n}", body="Repair.", scheduled_for=soon,
            scheduled_until=soon + timedelta(hours=1), components=[pods["Pod 14"]],
            deliver_notifications=False,
        )  # fmt: skip
        services.maintenance_start(running)
        assert upcoming.pk
        services.incident_template_save(
            IncidentTemplate(name=f"Template {n}", title="T", body="B",
                             status=IncidentStatus.INVESTIGATING),
            components=[],
        )  # fmt: skip


@pytest.mark.parametrize("path", LISTS)
def test_every_list_pages_as_documented(call, v1, manager_key, three_of_each, path):
    def listed(**query):
        answer = call("GET", f"{v1}/{path}?" + "&".join(f"{k}={v}" for k, v in query.items()),
                      manager_key)  # fmt: skip
        assert answer.status_code == 200, answer.content
        return [item["id"] for item in answer.json()]

    everything = listed(per_page=100)
    assert len(everything) >= 3
    assert listed(per_page=2) == everything[:2]
    assert listed(per_page=2, page=2) == everything[2:4]
    assert listed(limit=1) == everything[:1]
    assert listed(limit=1, page=3) == everything[2:3]
    for bad in ("page=0", "per_page=0", "per_page=101", "limit=101", "page=x"):
        refused = call("GET", f"{v1}/{path}?{bad}", manager_key)
        assert refused.status_code == 422 and "error" in refused.json(), bad
