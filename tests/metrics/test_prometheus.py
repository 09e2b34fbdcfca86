"""Polling Prometheus (a fake server in this process): each metric's value each minute; a
server that fails is retried later and later, and its failure is staff's to see, never the
public page's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.metrics import services, tasks
from incidents.metrics.models import Metric, MetricPoint, MetricProvider, ProviderType
from statuspage.celery import app

QUERY = "sum(rate(http_request_duration_seconds_sum[5m]))"


@pytest.fixture
def now():
    return timezone.now().replace(second=20, microsecond=0)


@pytest.fixture
def minute(now) -> int:
    return int(now.timestamp()) // 60 * 60


@pytest.fixture
def latency(make_metric, polled) -> Metric:
    return make_metric("API latency", provider=polled, query=QUERY)


def points(metric) -> list[tuple[int, float]]:
    return list(MetricPoint.objects.filter(metric=metric).values_list("at", "value"))


def test_each_metric_is_evaluated_at_the_minute_and_stored(
    prometheus, polled, latency, now, minute
):
    prometheus.answers[QUERY] = 0.25
    report = services.prometheus_poll(now=now)
    assert report.stored == 1 and report.failed_providers == []
    assert prometheus.asked == [{"path": "/api/v1/query", "query": QUERY, "time": str(minute)}]
    assert points(latency) == [(minute, 0.25)]
    latency.refresh_from_db()
    polled.refresh_from_db()
    assert latency.last_fetched_at == now and latency.last_error == ""
    assert polled.last_succeeded_at == now and polled.failures == 0


def test_polling_the_same_minute_twice_stores_one_point(prometheus, latency, now, minute):
    prometheus.answers[QUERY] = 1.0
    services.prometheus_poll(now=now)
    prometheus.answers[QUERY] = 2.0
    services.prometheus_poll(now=now + timedelta(seconds=30))
    assert points(latency) == [(minute, 2.0)]


def test_a_scalar_answer_is_read(prometheus, latency, now, minute):
    prometheus.answers[QUERY] = (
        200,
        {"status": "success", "data": {"resultType": "scalar", "result": [minute, "7"]}},
    )
    services.prometheus_poll(now=now)
    assert points(latency) == [(minute, 7.0)]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (
            (400, {"status": "error", "errorType": "bad_data", "error": "parse error"}),
            "parse error",
        ),
        ((200, {"status": "success", "data": {"resultType": "vector", "result": []}}), "no series"),
        ("NaN", "NaN"),
        ((200, {"status": "success", "data": {"resultType": "matrix", "result": []}}), "matrix"),
    ],
)
def test_a_query_without_a_value_is_the_metrics_error_only(
    prometheus, polled, latency, make_metric, now, minute, answer, says
):
    other = make_metric("Errors", provider=polled, query="sum(errors)")
    prometheus.answers[QUERY] = answer
    prometheus.answers["sum(errors)"] = 3.0
    report = services.prometheus_poll(now=now)
    assert report.failed_metrics == [latency.public_id] and report.failed_providers == []
    latency.refresh_from_db()
    assert says in latency.last_error and points(latency) == []
    assert points(other) == [(minute, 3.0)]
    polled.refresh_from_db()
    assert polled.failures == 0 and polled.next_poll_at is None  # polled again next minute


def test_a_server_that_does_not_answer_in_time_is_a_failure(
    prometheus, polled, latency, now, settings
):
    settings.PROMETHEUS_TIMEOUT = 0.2
    prometheus.hold.set()
    report = services.prometheus_poll(now=now)
    assert report.failed_providers == [polled.public_id]
    polled.refresh_from_db()
    assert "no answer within 0.2 s" in polled.last_error
    assert polled.failures == 1 and polled.next_poll_at == now + timedelta(minutes=1)
    assert points(latency) == []


def test_failures_back_off_and_a_success_resets(prometheus, polled, latency, now, minute):
    prometheus.answers[QUERY] = (503, {"status": "error", "error": "overloaded"})
    services.prometheus_poll(now=now)
    polled.refresh_from_db()
    assert (polled.failures, polled.next_poll_at) == (1, now + timedelta(minutes=1))
    # Until then no poll asks the server.
    asked = len(prometheus.asked)
    report = services.prometheus_poll(now=now + timedelta(seconds=50))
    assert report.skipped == [polled.public_id] and len(prometheus.asked) == asked
    # Then it is tried again, and waits twice as long after failing again.
    services.prometheus_poll(now=now + timedelta(minutes=1))
    polled.refresh_from_db()
    assert (polled.failures, polled.next_poll_at) == (2, now + timedelta(minutes=3))
    assert "503" in polled.last_error
    prometheus.answers[QUERY] = 5.0
    services.prometheus_poll(now=now + timedelta(minutes=3))
    polled.refresh_from_db()
    assert (polled.failures, polled.next_poll_at, polled.last_error) == (0, None, "")
    assert points(latency) == [(minute + 180, 5.0)]


def test_the_wait_stops_growing_at_an_hour(prometheus, polled, latency, now):
    MetricProvider.objects.filter(pk=polled.pk).update(failures=20)
    prometheus.answers[QUERY] = (500, b"oops")
    services.prometheus_poll(now=now)
    polled.refresh_from_db()
    assert polled.next_poll_at == now + timedelta(hours=1)


def test_an_unreachable_server_is_a_failure(polled, latency, now, prometheus):
    prometheus.close()
    services.prometheus_poll(now=now)
    polled.refresh_from_db()
    assert "cannot reach the server" in polled.last_error and polled.failures == 1


def test_a_failing_server_stops_that_providers_round(prometheus, polled, latency, make_metric, now):
    make_metric("Errors", provider=polled, query="sum(errors)")
    prometheus.answers[QUERY] = (502, b"<html>Bad gateway</html>")
    prometheus.answers["sum(errors)"] = 1.0
    services.prometheus_poll(now=now)
    assert len(prometheus.asked) == 1  # the other metric waits for the next attempt


def test_without_an_address_the_setting_is_used(prometheus, make_metric, now, settings, minute):
    settings.PROMETHEUS_URL = prometheus.url
    provider = services.provider_save(MetricProvider(type=ProviderType.PROMETHEUS))
    metric = make_metric("Latency", provider=provider, query=QUERY)
    prometheus.answers[QUERY] = 9.0
    services.prometheus_poll(now=now)
    assert points(metric) == [(minute, 9.0)]


def test_without_any_address_the_provider_says_so(make_metric, now, settings):
    settings.PROMETHEUS_URL = ""
    provider = services.provider_save(MetricProvider(type=ProviderType.PROMETHEUS))
    make_metric("Latency", provider=provider, query=QUERY)
    services.prometheus_poll(now=now)
    provider.refresh_from_db()
    assert "no address" in provider.last_error


def test_disabled_providers_and_pushed_metrics_are_not_polled(
    prometheus, polled, latency, metric, now
):
    polled.disabled = True
    services.provider_save(polled)
    report = services.prometheus_poll(now=now)
    assert report.stored == 0 and prometheus.asked == []


def test_changing_the_address_ends_the_wait(prometheus, polled, latency, now):
    prometheus.answers[QUERY] = (503, b"")
    services.prometheus_poll(now=now)
    polled.base_url = prometheus.url + "/"
    services.provider_save(polled)
    polled.refresh_from_db()
    assert polled.next_poll_at is None and polled.failures == 0


def test_a_failing_provider_leaves_a_gap_and_the_page_works(
    client, prometheus, polled, latency, now, settings
):
    prometheus.answers[QUERY] = (503, b"")
    services.prometheus_poll(now=now)
    response = client.get("/")
    assert response.status_code == 200
    assert "API latency" in response.text and "No data has arrived yet." in response.text
    assert "503" not in response.text


def test_beat_polls_every_minute_through_the_task(prometheus, latency, eager, monkeypatch):
    assert app.conf.beat_schedule["metrics-poll"] == {"task": "metrics.poll", "schedule": 60.0}
    prometheus.answers[QUERY] = 4.0
    result = app.tasks["metrics.poll"].delay().get()
    assert result["stored"] == 1 and result["failed_providers"] == []
    assert len(points(latency)) == 1
    assert tasks.poll.name == "metrics.poll"
