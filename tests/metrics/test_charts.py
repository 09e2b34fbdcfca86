"""The charts: SVG lines broken where data is missing, the axis as the metric says, and the
table behind each chart."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.utils import translation

from incidents.metrics import charts, selectors
from incidents.metrics.services import metric_data_add
from tests.conftest import utc

NOW = utc(2026, 3, 20, 12, 0, 30)
NOW_S = int(NOW.timestamp())
DAY = charts.PERIODS[0]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def board_of(metric):
    board = selectors.metric_board()
    return {view.period.key: view.charts[0] for view in board.periods}


def lines(svg: str) -> list[list[tuple[float, float]]]:
    found = []
    for points in re.findall(r'<polyline points="([^"]+)"', svg):
        found.append([tuple(map(float, p.split(","))) for p in points.split()])
    return found


def minutes_ago(*minutes: int, value: float = 10.0):
    return [(NOW_S - 60 * m, value) for m in minutes]


def test_a_gap_breaks_the_line(metric):
    # Data for the last half hour except 10 to 20 minutes ago.
    metric_data_add({metric: minutes_ago(*range(0, 10), *range(20, 30))})
    day = board_of(metric)["day"]
    assert len(lines(str(day.svg))) == 2
    assert day.gaps and "No data for part of the period." in day.summary


def test_unbroken_data_is_one_line(metric):
    metric_data_add({metric: [(NOW_S - 60 * m, float(m)) for m in range(24 * 60)]})
    day = board_of(metric)["day"]
    assert len(lines(str(day.svg))) == 1
    assert len(lines(str(day.svg))[0]) == 288  # every five minutes
    assert not day.gaps


def test_a_lone_interval_is_a_dot(metric):
    metric_data_add({metric: minutes_ago(100)})
    svg = str(board_of(metric)["day"].svg)
    assert lines(svg) == [] and svg.count("<circle") == 1


def test_higher_values_are_drawn_higher(metric):
    metric_data_add({metric: [(NOW_S - 60 * 30, 10.0), (NOW_S - 60 * 25, 90.0)]})
    (line,) = lines(str(board_of(metric)["day"].svg))
    (x1, y1), (x2, y2) = line
    assert x2 > x1 and y2 < y1  # SVG's y grows downwards


def test_the_axis_follows_the_metrics_bounds_suffix_and_decimals(make_metric):
    metric = make_metric(suffix="ms", decimal_places=2, y_axis_min=5, y_axis_max=200)
    metric_data_add({metric: minutes_ago(1, 2, value=42.0)})
    svg = str(board_of(metric)["day"].svg)
    labels = re.findall(r'class="metric-label">([^<]+)<', svg)
    assert labels == ["200.00ms", "102.50ms", "5.00ms"]


def test_without_bounds_the_axis_runs_from_zero_to_the_highest_value(make_metric):
    metric = make_metric(suffix="%")
    metric_data_add({metric: [*minutes_ago(1, value=40.0), *minutes_ago(10, value=80.0)]})
    labels = re.findall(r'class="metric-label">([^<]+)<', str(board_of(metric)["day"].svg))
    assert labels == ["80%", "40%", "0%"]


def test_a_hidden_axis_has_no_labels(make_metric):
    metric = make_metric(y_axis_hidden=True)
    metric_data_add({metric: minutes_ago(1)})
    assert "metric-label" not in str(board_of(metric)["day"].svg)


def test_values_outside_the_bounds_stay_inside_the_chart(make_metric):
    metric = make_metric(y_axis_min=0, y_axis_max=10)
    metric_data_add({metric: [*minutes_ago(5, value=-50.0), *minutes_ago(10, value=500.0)]})
    (line,) = lines(str(board_of(metric)["day"].svg))
    assert all(charts.TOP <= y <= charts.HEIGHT - charts.BOTTOM for _x, y in line)


def test_the_svg_is_labelled_for_screen_readers(metric):
    metric_data_add({metric: minutes_ago(1, 2, 3, value=12.0)})
    day = board_of(metric)["day"]
    svg = str(day.svg)
    assert 'role="img"' in svg and f'aria-labelledby="{day.id}-title {day.id}-desc"' in svg
    assert "<title" in svg and ">API latency: Last day</title>" in svg
    assert "Average 12.0ms, lowest 12.0ms, highest 12.0ms." in svg


def test_the_table_gives_each_hour_of_the_day(metric):
    metric_data_add({metric: [*minutes_ago(1, value=10.0), *minutes_ago(2, value=30.0)]})
    table = str(board_of(metric)["day"].table)
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", table)
    assert len(rows) == 25  # the UTC hours the last 24 hours touch
    no_data = '<td colspan="3">No data</td>'
    assert rows[-1] == ("March 20 - 12:00 UTC | 05:00 PT", no_data)
    assert rows[-2] == (
        "March 20 - 11:00 UTC | 04:00 PT",
        "<td>20.0ms</td><td>10.0ms</td><td>30.0ms</td>",
    )
    # The first row starts where the day does, five minutes into its hour.
    assert rows[0] == ("March 19 - 12:05 UTC | 05:05 PT", no_data)
    assert "<caption>API latency: Last day</caption>" in table


def test_the_week_and_month_read_the_hour_buckets(metric):
    metric_data_add({metric: [(NOW_S - 3 * 86400, 5.0), (NOW_S - 20 * 86400, 7.0)]})
    charts_by_period = board_of(metric)
    assert "No data in this period." in charts_by_period["day"].summary
    assert "Average 5.0ms" in charts_by_period["week"].summary
    assert "Average 6.0ms, lowest 5.0ms, highest 7.0ms." in charts_by_period["month"].summary
    month_rows = [r for r in charts_by_period["month"].rows if r.value]
    assert [r.value for r in month_rows] == ["7.0ms", "5.0ms"]


def test_the_transform_decides_what_is_drawn(make_metric):
    metric = make_metric(transform="sum")
    metric_data_add({metric: [(NOW_S - 60, 2.0), (NOW_S - 50, 3.0)]})
    day = board_of(metric)["day"]
    assert day.summary.startswith("Total 5, lowest 2, highest 3.")


def test_numbers_follow_the_readers_language(make_metric):
    metric = make_metric(decimal_places=1, suffix=" s")
    metric_data_add({metric: minutes_ago(1, value=1.5)})
    with translation.override("it"):
        assert "1,5 s" in board_of(metric)["day"].summary


def test_the_chart_says_when_data_last_arrived(metric):
    metric_data_add({metric: [(NOW_S - 90, 1.0)]})
    assert board_of(metric)["day"].last_data == "March 20 - 11:59 UTC | 04:59 PT"
