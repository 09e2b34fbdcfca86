"""The metrics on the status page and on the pods' pages: drawn in a fixed number of queries,
cached like the pages, renewed within a minute of new data."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from incidents import cache as page_cache
from incidents.metrics import freshness
from incidents.metrics.services import metric_data_add, metric_save
from tests.conftest import render_queries, utc

NOW = utc(2026, 3, 20, 12, 0, 30)
NOW_S = int(NOW.timestamp())


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def month_of_data(metric, every: int = 3600):
    """A point every `every` seconds over the last 30 days (the oldest posted three days ago,
    while they were in the 28-day window)."""
    points = [(NOW_S - n, float(n % 97)) for n in range(0, 30 * 86400, every)]
    recent = [p for p in points if p[0] > NOW_S - 27 * 86400]
    older = [p for p in points if p[0] <= NOW_S - 27 * 86400]
    metric_data_add({metric: older}, now=NOW - timedelta(days=3))
    metric_data_add({metric: recent})


def test_the_status_page_draws_each_shown_metric_for_day_week_and_month(client, make_metric):
    latency = make_metric("API latency", suffix="ms", tooltip_description="p95 of all calls")
    make_metric("Internal queue", display=False)
    month_of_data(latency)
    page = client.get("/").text
    assert 'id="metrics"' in page and "System metrics" in page
    for period in ("day", "week", "month"):
        assert f'id="metric-{latency.public_id}-{period}"' in page
        assert f'href="#metrics-{period}"' in page
    assert "p95 of all calls" in page
    assert "Internal queue" not in page
    assert page.count('<details class="metric-table">') == 3
    assert "Data last arrived at March 20 - 12:00 UTC | 05:00 PT" in page
    assert "metrics/metrics.css" in page


def test_without_metrics_the_page_has_no_metrics_block(client, db):
    assert 'id="metrics"' not in client.get("/").text


def test_a_metric_without_data_says_so(client, metric):
    page = client.get("/").text
    assert "No data has arrived yet." in page and "No data in this period." in page


def test_the_query_count_of_the_page_does_not_grow_with_metrics_or_points(
    client, make_metric, pods
):
    one = make_metric("Metric 0")
    month_of_data(one, every=600)
    with_one, _ = render_queries(client, "/")
    for n in range(1, 10):
        month_of_data(make_metric(f"Metric {n}"), every=600)
    with_ten, response = render_queries(client, "/")
    assert response.text.count('class="metric"') == 30
    assert with_ten == with_one


def test_the_metrics_block_costs_four_queries(client, metric, pods):
    without, _ = render_queries(client, "/")
    assert without  # warms anything cached per process
    metric.display = False
    metric_save(metric)
    hidden, _ = render_queries(client, "/")
    metric.display = True
    metric_save(metric)
    shown, _ = render_queries(client, "/")
    assert shown - hidden == 3  # the metrics (asked in both), then one query per period


def test_a_pods_page_shows_only_the_metrics_of_that_pod(client, make_metric, pods):
    mine = make_metric("Pod 13 latency", components=[pods["Pod 13"]])
    other = make_metric("Pod 14 latency", components=[pods["Pod 14"]])
    make_metric("Global latency")
    page = client.get("/pods/pod-13/").text
    assert f'id="metric-{mine.public_id}-day"' in page
    assert other.public_id not in page and "Global latency" not in page
    status = client.get("/").text
    assert all(name in status for name in ("Pod 13 latency", "Pod 14 latency", "Global latency"))


def test_a_pod_without_metrics_has_no_metrics_block(client, make_metric, pods):
    make_metric("Global latency")
    assert 'id="metrics"' not in client.get("/pods/pod-13/").text


def test_the_page_is_served_from_the_cache_until_new_data_renews_it(
    client, metric, django_capture_on_commit_callbacks
):
    assert client.get("/")["X-Cache"] == "MISS"
    assert client.get("/")["X-Cache"] == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        metric_data_add({metric: [(NOW_S - 10, 1.0)]})
    renewed = client.get("/")
    assert renewed["X-Cache"] == "MISS" and "Data last arrived at" in renewed.text


def test_new_data_renews_the_pages_at_most_once_a_minute(
    metric, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.CACHE_PURGE_URLS = ["http://127.0.0.1:9/"]
    purges = []
    monkeypatch.setattr(freshness, "send_task", lambda *args: purges.append(args))
    versions = []
    for second in range(0, 120, 10):
        with time_machine.travel(NOW + timedelta(seconds=second), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                metric_data_add({metric: [(NOW_S + second - 1, float(second))]})
            versions.append(page_cache.content_version())
    assert len(set(versions)) == 3  # 12:00:30, 12:01:00 and 12:02:00
    assert (
        purges
        == [("incidents.tasks.purge_shared_cache", "http://127.0.0.1:9/", ["components"])] * 3
    )


def test_a_refused_post_renews_nothing(metric, django_capture_on_commit_callbacks):
    before = page_cache.content_version()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        metric_data_add({metric: [(NOW_S, float("nan"))]})
    assert page_cache.content_version() == before


def test_changing_a_shown_metric_renews_the_pages(metric, django_capture_on_commit_callbacks):
    before = page_cache.content_version()
    metric.name = "API latency (p95)"
    with django_capture_on_commit_callbacks(execute=True):
        metric_save(metric)
    assert page_cache.content_version() != before


def test_the_pages_are_the_same_in_every_language(client, metric):
    page = client.get("/it/").text
    assert 'id="metrics"' in page
