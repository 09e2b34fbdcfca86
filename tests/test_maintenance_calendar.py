"""`/maintenance.ics` as calendar programs read it: valid iCalendar, UTC times, fresh."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine

from incidents import services
from tests.conftest import utc

NOW = utc(2024, 4, 2, 12, 0)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def maintenance(clock, pods):
    return services.maintenance_schedule(
        name="Pod 17 database upgrade",
        body="We will upgrade the database of **Pod 17**.",
        scheduled_for=utc(2024, 4, 6, 15, 30),
        scheduled_until=utc(2024, 4, 6, 17, 30),
        components=[pods["Pod 17"]],
    )


def _calendar(client) -> icalendar.Calendar:
    response = client.get("/maintenance.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _events(client) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in _calendar(client).walk("VEVENT")}


def _utc(event: icalendar.Event, name: str) -> datetime:
    value = event.decoded(name)
    assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    return value


def test_one_event_per_maintenance_with_the_window_in_utc(client, maintenance, settings):
    calendar = _calendar(client)
    assert calendar["version"] == "2.0" and calendar["prodid"]
    (event,) = calendar.walk("VEVENT")
    host = settings.SITE_URL.split("//", 1)[1].split(":")[0].split("/")[0]
    assert str(event["uid"]) == f"{maintenance.public_id}@{host}"
    assert str(event["summary"]) == "Pod 17 database upgrade"
    assert _utc(event, "dtstart") == utc(2024, 4, 6, 15, 30)
    assert _utc(event, "dtend") == utc(2024, 4, 6, 17, 30)
    assert _utc(event, "dtstamp") and _utc(event, "last-modified")
    # Written as UTC ("Z"), not as a floating or zoned local time.
    assert event["dtstart"].to_ical() == b"20240406T153000Z"
    description = str(event["description"])
    assert "We will upgrade the database of Pod 17." in description  # plain, no Markdown
    assert "**" not in description
    url = settings.SITE_URL + maintenance.get_absolute_url()
    assert url in description and str(event["url"]) == url
    assert str(event["status"]) == "CONFIRMED"


def test_moving_the_window_changes_dtstart_and_sequence_on_the_next_request(
    client, clock, maintenance
):
    before = _events(client)["Pod 17 database upgrade"]
    # Unchanged: the same event on every request.
    again = _events(client)["Pod 17 database upgrade"]
    assert again["sequence"] == before["sequence"] and again["uid"] == before["uid"]
    clock.shift(timedelta(minutes=5))
    services.maintenance_edit(
        maintenance,
        scheduled_for=utc(2024, 4, 7, 15, 30),
        scheduled_until=utc(2024, 4, 7, 18, 0),
    )
    after = _events(client)["Pod 17 database upgrade"]
    assert after["uid"] == before["uid"]
    assert _utc(after, "dtstart") == utc(2024, 4, 7, 15, 30)
    assert _utc(after, "dtend") == utc(2024, 4, 7, 18, 0)
    assert int(after["sequence"]) > int(before["sequence"])
    assert _utc(after, "last-modified") > _utc(before, "last-modified")


def test_the_calendar_is_a_cached_public_page(client, maintenance):
    first = client.get("/maintenance.ics")
    second = client.get("/maintenance.ics")
    assert first["X-Cache"] == "MISS" and second["X-Cache"] == "HIT"
    assert second.content == first.content


def test_completed_maintenance_stays_a_month_then_leaves(client, clock, maintenance, make_incident):
    make_incident(name="Not a maintenance")
    clock.move_to(utc(2024, 4, 6, 15, 31))
    services.maintenance_start(maintenance)
    clock.move_to(utc(2024, 4, 6, 17, 0))
    services.maintenance_complete(maintenance)
    assert list(_events(client)) == ["Pod 17 database upgrade"]
    clock.move_to(datetime(2024, 5, 7, 18, 0, tzinfo=UTC))
    services.maintenance_schedule(
        name="Next one",
        body="Later.",
        scheduled_for=utc(2024, 5, 10, 1),
        scheduled_until=utc(2024, 5, 10, 2),
    )
    assert list(_events(client)) == ["Next one"]


def test_an_empty_calendar_is_valid(client, db):
    assert _calendar(client).walk("VEVENT") == []
