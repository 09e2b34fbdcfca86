"""Uptime bars: the rule (major counts fully, partial at 30 %, degraded not at all), and
that computing them takes one query."""

from datetime import date, timedelta

import pytest
import time_machine

from incidents import services
from incidents.models import Component
from incidents.uptime import component_uptime
from tests.conftest import utc

NOW = utc(2024, 4, 10, 20, 0)  # 13:00 in Pacific time, April 10
# 90 Pacific days up to now: 89 whole days and 13 hours of today.
OBSERVED = 89 * 24 * 60 + 13 * 60


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def incident(component, status, start, end=None, **kwargs):
    made = services.incident_create(
        name=kwargs.pop("name", f"{status} on {component.name}"),
        body="Investigating.",
        components={component: status},
        started_at=start,
        display_at=start,
    )
    if end:
        services.incident_resolve(made, body="Fixed.", resolved_at=end, display_at=end)
    return made


def day(result, component, when: date):
    return next(d for d in result[component.pk].days if d.date == when)


def test_a_quiet_component_is_fully_up(pods):
    result = component_uptime(list(pods.values()))
    uptime = result[pods["Pod 13"].pk]
    assert len(uptime.days) == 90
    assert uptime.days[-1].date == date(2024, 4, 10)
    assert uptime.ratio == 1.0
    assert uptime.percent == "100.00 %"


def test_major_outage_counts_fully(pods):
    incident(pods["Pod 13"], "major_outage", utc(2024, 4, 5, 17), utc(2024, 4, 5, 23))
    result = component_uptime([pods["Pod 13"], pods["Pod 14"]])
    april5 = day(result, pods["Pod 13"], date(2024, 4, 5))
    assert april5.downtime == 360
    assert april5.status == "major_outage"
    assert result[pods["Pod 13"].pk].ratio == pytest.approx(1 - 360 / OBSERVED)
    assert result[pods["Pod 13"].pk].percent == "99.72 %"
    assert result[pods["Pod 14"].pk].ratio == 1.0


def test_partial_outage_counts_at_thirty_percent(pods):
    incident(pods["Pod 13"], "partial_outage", utc(2024, 4, 5, 17), utc(2024, 4, 5, 23))
    april5 = day(component_uptime([pods["Pod 13"]]), pods["Pod 13"], date(2024, 4, 5))
    assert april5.downtime == pytest.approx(108)
    assert april5.summary == "April 5, 2024: Partial outage 6 h"


def test_degraded_performance_is_shown_but_not_counted(pods):
    incident(pods["Pod 13"], "degraded_performance", utc(2024, 4, 5, 17), utc(2024, 4, 5, 18))
    result = component_uptime([pods["Pod 13"]])
    april5 = day(result, pods["Pod 13"], date(2024, 4, 5))
    assert april5.status == "degraded_performance"
    assert [i.incident.name for i in april5.incidents] == ["degraded_performance on Pod 13"]
    assert april5.downtime == 0
    assert result[pods["Pod 13"].pk].ratio == 1.0


def test_the_worst_status_an_incident_set_counts_for_its_whole_window(pods):
    made = incident(pods["Pod 13"], "degraded_performance", utc(2024, 4, 5, 17))
    services.update_post(
        made, status="identified", body="Worse.", components={pods["Pod 13"]: "major_outage"},
        display_at=utc(2024, 4, 5, 18),
    )  # fmt: skip
    services.incident_resolve(
        made, body="Fixed.", resolved_at=utc(2024, 4, 5, 19), display_at=utc(2024, 4, 5, 19)
    )
    assert day(component_uptime([pods["Pod 13"]]), pods["Pod 13"], date(2024, 4, 5)).downtime == 120


def test_overlapping_incidents_count_once_at_the_worst(pods):
    incident(pods["Pod 13"], "major_outage", utc(2024, 4, 5, 17), utc(2024, 4, 5, 19))
    incident(pods["Pod 13"], "partial_outage", utc(2024, 4, 5, 18), utc(2024, 4, 5, 20))
    april5 = day(component_uptime([pods["Pod 13"]]), pods["Pod 13"], date(2024, 4, 5))
    assert april5.downtime == pytest.approx(120 + 60 * 0.3)
    assert len(april5.incidents) == 2


def test_an_incident_across_midnight_is_split_by_pacific_day(pods):
    # 19:00 UTC March 20 .. 01:07 UTC March 21 is all on March 20 in Pacific time.
    with time_machine.travel(utc(2024, 4, 1), tick=False):
        incident(pods["Pod 13"], "major_outage", utc(2024, 3, 20, 19), utc(2024, 3, 21, 1, 7))
        incident(pods["Pod 14"], "major_outage", utc(2024, 3, 21, 6), utc(2024, 3, 21, 8))
        result = component_uptime([pods["Pod 13"], pods["Pod 14"]])
    assert day(result, pods["Pod 13"], date(2024, 3, 20)).downtime == 367
    assert day(result, pods["Pod 13"], date(2024, 3, 21)).downtime == 0
    # 06:00-08:00 UTC is 23:00-01:00 PDT: an hour on each side of midnight.
    assert day(result, pods["Pod 14"], date(2024, 3, 20)).downtime == 60
    assert day(result, pods["Pod 14"], date(2024, 3, 21)).downtime == 60


def test_an_open_incident_counts_until_now(pods):
    incident(pods["Pod 13"], "major_outage", NOW - timedelta(hours=2))
    today = day(component_uptime([pods["Pod 13"]]), pods["Pod 13"], date(2024, 4, 10))
    assert today.downtime == 120


def test_old_incidents_and_maintenance_do_not_count(pods):
    incident(pods["Pod 13"], "major_outage", utc(2023, 12, 1), utc(2023, 12, 2))
    with time_machine.travel(utc(2024, 4, 1), tick=False):
        services.maintenance_schedule(
            name="Upgrade", body="Announced.", components=[pods["Pod 13"]],
            scheduled_for=utc(2024, 4, 2), scheduled_until=utc(2024, 4, 2, 4),
        )  # fmt: skip
    with time_machine.travel(utc(2024, 4, 2, 0, 1), tick=False):
        services.maintenance_run_due()
    with time_machine.travel(utc(2024, 4, 2, 4, 1), tick=False):
        services.maintenance_run_due()
    assert component_uptime([pods["Pod 13"]])[pods["Pod 13"].pk].ratio == 1.0


def test_days_before_the_start_date_have_no_data(pods):
    component = pods["Pod 13"]
    component.start_date = date(2024, 4, 9)
    incident(component, "major_outage", utc(2024, 4, 9, 19), utc(2024, 4, 9, 20))
    uptime = component_uptime([component])[component.pk]
    assert [d.has_data for d in uptime.days[-3:]] == [False, True, True]
    assert uptime.days[0].summary.endswith("no data")
    assert uptime.ratio == pytest.approx(1 - 60 / (24 * 60 + 13 * 60))


def test_uptime_takes_one_query_however_many_incidents(db, django_assert_num_queries):
    components = [Component.objects.create(name=f"C{n}") for n in range(10)]
    for n in range(60):
        start = NOW - timedelta(days=n, hours=3)
        incident(components[n % 10], "partial_outage", start, start + timedelta(hours=30))
    with django_assert_num_queries(1):
        result = component_uptime(components)
    assert all(result[c.pk].ratio < 1 for c in components)


def test_status_page_shows_the_bar_and_its_tooltip(client, pods):
    incident(pods["Pod 13"], "major_outage", utc(2024, 4, 5, 17), utc(2024, 4, 5, 23),
             name="Pod 13 is down")  # fmt: skip
    text = client.get("/").text
    assert "99.72 % uptime" in text
    assert 'role="tooltip"' in text
    assert "Major outage 6 h" in text
    assert ">Pod 13 is down</a>" in text
    assert 'title="April 4, 2024: no downtime"' in text
