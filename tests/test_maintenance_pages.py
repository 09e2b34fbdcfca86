"""Scheduled maintenance as readers see it: upcoming and in progress on `/`, its own page."""

import pytest
import time_machine

from incidents import services, timefmt
from tests.conftest import utc

NOW = utc(2024, 4, 2, 12, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maintenance(pods):
    return services.maintenance_schedule(
        name="Pod 17 database upgrade",
        body="We will upgrade the database of **Pod 17**.",
        scheduled_for=utc(2024, 4, 6, 15, 30),
        scheduled_until=utc(2024, 4, 6, 17, 30),
        components=[pods["Pod 17"]],
    )


def test_window_in_both_zones_with_the_date_when_not_today():
    assert timefmt.scheduled_window(utc(2024, 4, 6, 15, 30), utc(2024, 4, 6, 17, 30)) == [
        "START: April 6 - 15:30 UTC | 08:30 PT",
        "END: 17:30 UTC | 10:30 PT",
    ]
    # Today: no date. Ending on another (Pacific) day: the end carries its date.
    assert timefmt.scheduled_window(utc(2024, 4, 2, 15, 30), utc(2024, 4, 3, 9, 0)) == [
        "START: 15:30 UTC | 08:30 PT",
        "END: April 3 - 09:00 UTC | 02:00 PT",
    ]
    assert timefmt.scheduled_window(utc(2025, 1, 2, 15, 30), utc(2025, 1, 2, 16, 0))[0] == (
        "START: January 2, 2025 - 15:30 UTC | 07:30 PT"
    )


def test_upcoming_maintenance_is_on_the_status_page(client, maintenance):
    text = client.get("/").text
    assert "Upcoming maintenance" in text
    assert "Maintenance in progress" not in text
    assert "Pod 17 database upgrade" in text
    assert "START: April 6 - 15:30 UTC | 08:30 PT" in text
    assert "END: 17:30 UTC | 10:30 PT" in text
    assert "Affects: Pod 17" in text
    assert "All Systems Operational" in text
    assert "Active incidents" not in text


def test_maintenance_in_progress_is_on_the_status_page(client, maintenance, pods):
    with time_machine.travel(utc(2024, 4, 6, 15, 30, 20), tick=False):
        services.maintenance_run_due()
        text = client.get("/").text
    assert "Maintenance in progress" in text
    assert "Upcoming maintenance" not in text
    assert "Service Under Maintenance" in text
    assert "START: 15:30 UTC | 08:30 PT" in text  # today now


def test_completed_maintenance_leaves_the_lists(client, maintenance):
    services.maintenance_start(maintenance)
    services.maintenance_complete(maintenance)
    text = client.get("/").text
    assert "Upcoming maintenance" not in text and "Maintenance in progress" not in text
    assert "All Systems Operational" in text


def test_maintenance_page_shows_window_and_timeline(client, maintenance):
    text = client.get(maintenance.get_absolute_url()).text
    assert "Scheduled maintenance" in text
    assert "START: April 6 - 15:30 UTC | 08:30 PT" in text
    assert "We will upgrade the database of <strong>Pod 17</strong>." in text
    assert "Impact:" not in text
    assert "Postmortem" not in text
