"""Data points in: checked, stored once per timestamp, aggregated into minute and hour buckets."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.metrics.models import MetricBucket, MetricPoint, instant
from incidents.metrics.services import Point, ingest, metric_data_add, metric_data_delete
from incidents.metrics.services.ingest import metric_data_prune
from tests.conftest import utc

NOW = utc(2026, 3, 20, 12, 0, 30)
T = int(NOW.timestamp()) // 3600 * 3600  # 12:00:00


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def buckets(metric, width):
    return {
        b.start: (b.sum, b.count, b.min, b.max)
        for b in MetricBucket.objects.filter(metric=metric, width=width)
    }


def test_a_point_is_stored_with_its_buckets(metric):
    stored = metric_data_add({metric: [(T + 5, 42.5)]})
    assert stored == {metric: [Point(T + 5, 42.5)]}
    assert list(MetricPoint.objects.values_list("at", "value")) == [(T + 5, 42.5)]
    assert buckets(metric, 60) == {T: (42.5, 1, 42.5, 42.5)}
    assert buckets(metric, 3600) == {T: (42.5, 1, 42.5, 42.5)}
    metric.refresh_from_db()
    assert metric.most_recent_data_at == instant(T + 5)


def test_posting_the_same_point_again_does_not_count_twice(metric):
    for _ in range(3):
        metric_data_add({metric: [{"timestamp": T, "value": 10.0}]})
    assert MetricPoint.objects.count() == 1
    assert buckets(metric, 60) == {T: (10.0, 1, 10.0, 10.0)}


def test_a_timestamp_posted_again_replaces_its_value(metric):
    metric_data_add({metric: [(T, 10.0), (T + 30, 20.0)]})
    metric_data_add({metric: [(T, 50.0)]})
    assert buckets(metric, 60) == {T: (70.0, 2, 20.0, 50.0)}
    assert buckets(metric, 3600) == {T: (70.0, 2, 20.0, 50.0)}


def test_within_one_call_the_last_value_of_a_timestamp_wins(metric):
    stored = metric_data_add({metric: [(T, 1.0), (T, 2.0)]})
    assert stored[metric] == [Point(T, 2.0)]
    assert buckets(metric, 60) == {T: (2.0, 1, 2.0, 2.0)}


def test_buckets_aggregate_their_points(metric):
    points = [(T + 60 * minute + second, float(minute * 100 + second))
              for minute in range(3) for second in (0, 20, 40)]  # fmt: skip
    metric_data_add({metric: points})
    assert buckets(metric, 60) == {
        T: (60.0, 3, 0.0, 40.0),
        T + 60: (360.0, 3, 100.0, 140.0),
        T + 120: (660.0, 3, 200.0, 240.0),
    }
    assert buckets(metric, 3600) == {T: (1080.0, 9, 0.0, 240.0)}


def test_far_apart_points_rebuild_only_their_buckets(metric):
    metric_data_add({metric: [(T - 20 * 86400, 1.0), (T, 2.0)]})
    assert set(buckets(metric, 60)) == {T - 20 * 86400, T}
    assert set(buckets(metric, 3600)) == {T - 20 * 86400, T}


def test_a_bulk_post_crosses_chunks_and_metrics(make_metric, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK", 7)
    latency, errors = make_metric("Latency"), make_metric("Errors")
    points = [(T - 3600 + n, float(n)) for n in range(100)]
    stored = metric_data_add({latency: points, errors: points[:10]})
    assert len(stored[latency]) == 100 and len(stored[errors]) == 10
    assert MetricPoint.objects.filter(metric=latency).count() == 100
    assert buckets(latency, 60) == {
        T - 3600: (sum(range(60)), 60, 0.0, 59.0),
        T - 3540: (sum(range(60, 100)), 40, 60.0, 99.0),
    }
    assert buckets(errors, 3600) == {T - 3600: (45.0, 10, 0.0, 9.0)}


def test_the_query_count_of_a_post_does_not_grow_with_its_points(metric):
    def queries(count):
        with CaptureQueriesContext(connection) as captured:
            metric_data_add({metric: [(T - 3600 + n, 1.0) for n in range(count)]})
        return len(captured)

    assert queries(1000) == queries(10)


@pytest.mark.parametrize(
    ("timestamp", "value", "says"),
    [
        (T, math.nan, "finite"),
        (T, math.inf, "finite"),
        (T, -math.inf, "finite"),
        (T, "nan", "finite"),
        (T, "Infinity", "finite"),
        (T, "fast", "not a number"),
        (T, None, "not a number"),
        (T, True, "not a number"),
        (T, [1], "not a number"),
        (T, 10**400, "finite"),
        ("soon", 1.0, "not a number"),
        (None, 1.0, "not a number"),
        (T - 29 * 86400, 1.0, "28 days"),
        (T + 3600, 1.0, "future"),
    ],
)
def test_a_bad_point_refuses_the_whole_post(metric, timestamp, value, says):
    good = (T, 1.0)
    with pytest.raises(ValidationError, match=says):
        metric_data_add({metric: [good, (timestamp, value)]})
    assert not MetricPoint.objects.exists() and not MetricBucket.objects.exists()
    metric.refresh_from_db()
    assert metric.most_recent_data_at is None


def test_numbers_as_text_are_read(metric):
    """Form-encoded posts (Statuspage's docs) send text."""
    assert metric_data_add({metric: [(str(T), " 4.25")]})[metric] == [Point(T, 4.25)]


def test_a_little_clock_skew_is_accepted(metric):
    metric_data_add({metric: [(int(NOW.timestamp()) + 240, 1.0)]})
    assert MetricPoint.objects.count() == 1


def test_resetting_a_metric_deletes_its_data(
    metric, committed_events, django_capture_on_commit_callbacks
):
    metric_data_add({metric: [(T, 1.0)]})
    with django_capture_on_commit_callbacks(execute=True):
        metric_data_delete(metric)
    assert not MetricPoint.objects.exists() and not MetricBucket.objects.exists()
    metric.refresh_from_db()
    assert metric.most_recent_data_at is None
    assert committed_events[-1].action == "metric.data_delete"


def test_old_data_is_pruned_once_no_chart_needs_it(metric):
    metric_data_add({metric: [(T - 27 * 86400, 1.0), (T - 3 * 86400, 2.0), (T, 3.0)]})
    with time_machine.travel(NOW + timedelta(days=1, hours=2), tick=False):
        metric_data_prune()
    assert sorted(MetricPoint.objects.values_list("at", flat=True)) == [T - 3 * 86400, T]
    # Minute buckets for the day chart: two days; hour buckets for the month: 32 days.
    assert set(buckets(metric, 60)) == {T}
    assert set(buckets(metric, 3600)) == {T - 27 * 86400, T - 3 * 86400, T}
