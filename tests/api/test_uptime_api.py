"""Component and group uptime through the client generated from Statuspage's API description."""

from urllib.parse import urlencode

import atlassian_statuspage as sp
import pytest
import time_machine
from django.conf import settings

from incidents import services
from tests.conftest import utc

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

NOW = utc(2024, 3, 25, 12, 0)


@pytest.fixture
def outage(pods, transactional_db):
    """Pod 13 in a major outage for two hours on March 20, Pod 14 in a partial one for one."""
    with time_machine.travel(utc(2024, 3, 20, 19, 0), tick=False):
        incident = services.incident_create(
            name="Pod 13 down", body="Pod 13 is down.",
            components={pods["Pod 13"]: "major_outage", pods["Pod 14"]: "partial_outage"},
        )  # fmt: skip
    with time_machine.travel(utc(2024, 3, 20, 20, 0), tick=False):
        services.update_post(
            incident, status="identified", body="Pod 14 is back.",
            components={pods["Pod 14"]: "operational"},
        )  # fmt: skip
    with time_machine.travel(utc(2024, 3, 20, 21, 0), tick=False):
        services.incident_resolve(incident, body="Pod 13 is back.")
    return incident


@pytest.mark.django_db(transaction=True)
def test_component_uptime_counts_the_outage_in_the_range(client_for, manager_key, pods, outage):
    api = sp.ComponentsApi(client_for(manager_key))
    page = settings.STATUSPAGE_PAGE_ID
    with time_machine.travel(NOW, tick=True):
        found = api.get_pages_page_id_components_component_id_uptime(
            page, pods["Pod 13"].public_id, start="2024-03-20", end="2024-03-20"
        )
    assert isinstance(found, sp.ComponentUptime)
    assert found.name == "Pod 13" and found.major_outage == 2 * 3600
    assert found.partial_outage == 0
    # Two hours of 24 down: floor(91.666...) to two decimals.
    assert found.uptime_percentage == 91.66
    with time_machine.travel(NOW, tick=True):
        quiet = api.get_pages_page_id_components_component_id_uptime(
            page, pods["Pod 13"].public_id, start="2024-03-21", end="2024-03-22"
        )
    assert quiet.uptime_percentage == 100.0 and quiet.major_outage == 0


@pytest.mark.django_db(transaction=True)
def test_group_uptime_is_its_least_available_member(client_for, manager_key, pods, outage):
    api = sp.ComponentGroupsApi(client_for(manager_key))
    with time_machine.travel(NOW, tick=True):
        found = api.get_pages_page_id_component_groups_id_uptime(
            settings.STATUSPAGE_PAGE_ID, pods["Pod 13"].group.public_id, start="2024-03"
        )
    assert isinstance(found, sp.ComponentGroupUptime)
    assert found.major_outage == 2 * 3600 and found.uptime_percentage < 100


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-13", None), ("last week", None), ("2023-01-01", "2024-03-01"),
     ("2024-03-10", "2024-03-01"), ("1969-12-31", "1970-01-02")],
)  # fmt: skip
def test_an_impossible_range_is_a_json_422(call, v1, manager_key, pods, start, end):
    query = urlencode({"start": start} | ({"end": end} if end else {}))
    path = f"{v1}/components/{pods['Pod 13'].public_id}/uptime?{query}"
    response = call("GET", path, manager_key)
    assert response.status_code == 422, response.content
    assert "YYYY-MM" in str(response.json())
