from datetime import date

import pytest

from incidents import timefmt
from tests.conftest import utc


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2024, 3, 20, 20, 59), "20:59 UTC | 13:59 PT"),  # PDT, UTC-7
        (utc(2024, 1, 15, 20, 59), "20:59 UTC | 12:59 PT"),  # PST, UTC-8
        # March switch: 02:00 PST jumps to 03:00 PDT on 2024-03-10.
        (utc(2024, 3, 10, 9, 59), "09:59 UTC | 01:59 PT"),
        (utc(2024, 3, 10, 10, 0), "10:00 UTC | 03:00 PT"),
        # November switch: 02:00 PDT falls back to 01:00 PST on 2024-11-03.
        (utc(2024, 11, 3, 8, 59), "08:59 UTC | 01:59 PT"),
        (utc(2024, 11, 3, 9, 0), "09:00 UTC | 01:00 PT"),
        (utc(2024, 3, 21, 0, 5), "00:05 UTC | 17:05 PT"),
    ],
)
def test_stamp_shows_utc_and_pacific_with_dst(instant, expected):
    assert timefmt.stamp(instant) == expected


def test_timeline_dates_only_rows_whose_pacific_day_changes():
    instants = [
        utc(2024, 3, 20, 20, 59),
        utc(2024, 3, 20, 21, 28),
        utc(2024, 3, 20, 22, 26),
        utc(2024, 3, 21, 1, 59),  # still March 20 in PT
        utc(2024, 3, 21, 15, 35),
    ]
    assert timefmt.timeline(instants, date(2024, 3, 20)) == [
        "20:59 UTC | 13:59 PT",
        "21:28 UTC | 14:28 PT",
        "22:26 UTC | 15:26 PT",
        "01:59 UTC | 18:59 PT",
        "March 21 - 15:35 UTC | 08:35 PT",
    ]


def test_first_row_is_dated_when_it_falls_after_the_incident_day():
    labels = timefmt.timeline([utc(2024, 3, 22, 16, 0)], date(2024, 3, 20))
    assert labels == ["March 22 - 16:00 UTC | 09:00 PT"]


def test_zones_come_from_the_setting(settings):
    settings.STATUS_TIMEZONES = [("UTC", "UTC"), ("Europe/Rome", "CET")]
    assert timefmt.stamp(utc(2024, 3, 20, 20, 59)) == "20:59 UTC | 21:59 CET"
    # The date follows the last zone: 23:30 UTC on March 20 is March 21 in Rome.
    assert timefmt.timeline([utc(2024, 3, 20, 23, 30)], date(2024, 3, 20)) == [
        "March 21 - 23:30 UTC | 00:30 CET"
    ]


def test_window_and_duration():
    start, end = utc(2024, 3, 20, 19, 0), utc(2024, 3, 21, 1, 7)
    assert timefmt.window(start, end) == (
        "March 20, 2024 - 19:00 UTC | 12:00 PT to 01:07 UTC | 18:07 PT"
    )
    assert timefmt.duration(start, end) == "6 h 7 min"
    assert timefmt.window(start, utc(2024, 3, 22, 1, 0)) == (
        "March 20, 2024 - 19:00 UTC | 12:00 PT to March 21 - 01:00 UTC | 18:00 PT"
    )
    assert timefmt.window(start, None) == "since March 20, 2024 - 19:00 UTC | 12:00 PT"
    assert timefmt.duration(start, utc(2024, 3, 23, 21, 0)) == "3 days 2 h"
