"""`/history/`: past incidents and completed maintenance, by month, filterable."""

import pytest
import time_machine
from django.urls import reverse

from incidents import services
from incidents.models import Component, ComponentGroup, Incident
from tests.conftest import render_queries, utc

URL = reverse("incidents:history")


def past_incident(name, component, start, end, impact="minor"):
    made = services.incident_create(
        name=name, body="Investigating.", impact_override=impact,
        components={component: "partial_outage"}, started_at=start, display_at=start,
    )  # fmt: skip
    services.incident_resolve(made, body="Fixed.", resolved_at=end, display_at=end)
    return made


@pytest.fixture
def history(pods, billing):
    past_incident("March outage", pods["Pod 13"], utc(2024, 3, 20, 19), utc(2024, 3, 21, 1, 7),
                  impact="major")  # fmt: skip
    past_incident("Billing slow", billing, utc(2024, 3, 5, 10), utc(2024, 3, 5, 10, 45))
    past_incident("January blip", pods["Pod 14"], utc(2024, 1, 10, 8), utc(2024, 1, 10, 9))
    # 03:00 UTC on April 1 is still March 31 in Pacific time.
    past_incident("Late March", pods["Pod 17"], utc(2024, 4, 1, 3), utc(2024, 4, 1, 4))
    with time_machine.travel(utc(2024, 4, 1, 12), tick=False):
        maintenance = services.maintenance_schedule(
            name="Pod 17 upgrade", body="Announced.", components=[pods["Pod 17"]],
            scheduled_for=utc(2024, 4, 6, 15, 30), scheduled_until=utc(2024, 4, 6, 17, 30),
        )  # fmt: skip
    with time_machine.travel(utc(2024, 4, 6, 15, 30), tick=False):
        services.maintenance_start(maintenance)
    with time_machine.travel(utc(2024, 4, 6, 17, 0), tick=False):
        services.maintenance_complete(maintenance)
    services.incident_create(name="Still open", body="Looking.", started_at=utc(2024, 4, 7))


def test_newest_month_first_with_completed_maintenance(client, history):
    text = client.get(URL).text
    assert '<h2 id="month-heading">April 2024</h2>' in text
    assert "Pod 17 upgrade" in text and "Scheduled maintenance" in text
    assert "Duration: 1 h 30 min" in text
    assert "Still open" not in text
    assert "March outage" not in text
    assert 'href="?month=2024-03"' in text  # the older month


def test_a_month_lists_its_incidents_newest_first_with_impact_duration_and_link(client, history):
    text = client.get(URL, {"month": "2024-03"}).text
    names = ["Late March", "March outage", "Billing slow"]
    assert [text.index(n) for n in names] == sorted(text.index(n) for n in names)
    assert "Impact: Major" in text
    assert "Duration: 6 h 7 min" in text
    assert "Duration: 45 min" in text
    assert "March 20, 2024 - 19:00 UTC | 12:00 PT to 01:07 UTC | 18:07 PT" in text
    assert "January blip" not in text and "Pod 17 upgrade" not in text
    march = Incident.objects.get(name="March outage")
    assert f'href="{march.get_absolute_url()}"' in text
    # Newer and older months link to each other, skipping empty months.
    assert 'href="?month=2024-04"' in text and 'href="?month=2024-01"' in text


def test_an_empty_month_says_so(client, history):
    text = client.get(URL, {"month": "2024-02"}).text
    assert "Nothing to report this month." in text
    assert 'href="?month=2024-03"' in text and 'href="?month=2024-01"' in text


def test_filter_by_component(client, history, billing):
    text = client.get(URL, {"month": "2024-03", "component": billing.public_id}).text
    assert "Billing slow" in text
    assert "March outage" not in text and "Late March" not in text
    assert f'value="{billing.public_id}" selected' in text


def test_filter_by_group_keeps_the_filter_when_paging(client, history, pods):
    group = pods["Pod 13"].group
    text = client.get(URL, {"month": "2024-03", "group": group.public_id}).text
    assert "March outage" in text and "Late March" in text
    assert "Billing slow" not in text
    assert f"?month=2024-01&amp;group={group.public_id}" in text


@pytest.mark.parametrize(
    "query", [{"month": "2024-13"}, {"month": "soon"}, {"component": "nope"}, {"group": "nope"}]
)
def test_bad_parameters_are_404(client, history, query):
    assert client.get(URL, query).status_code == 404


def test_history_query_count_does_not_grow(client, db):
    group = ComponentGroup.objects.create(name="Pods")
    components = [Component.objects.create(name=f"Pod {n}", group=group) for n in range(5)]

    def incidents(numbers: range) -> None:
        for n in numbers:
            past_incident(f"Incident {n}", components[n % 5], utc(2024, 3, 1 + n % 28, 1),
                          utc(2024, 3, 1 + n % 28, 2))  # fmt: skip

    incidents(range(5))
    few, _ = render_queries(client, URL, {"group": group.public_id})
    incidents(range(5, 60))
    many, response = render_queries(client, URL, {"group": group.public_id})
    assert few == many <= 6
    assert "Incident 59" in response.text


def test_status_page_links_to_history(client, pods):
    assert f'href="{URL}"' in client.get("/").text
