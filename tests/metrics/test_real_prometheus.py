"""Debian's real Prometheus as a metrics provider: the poll beat runs stores its values, and the
status page draws them; a Prometheus that cannot be reached is staff's to see, and the page
answers as always.

Prometheus runs as a child process on a free port, scraping itself every second, with its
configuration and its database under the test's temporary directory (no package service).
Where it is not installed the test is skipped, and fails under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from incidents.metrics import services, tasks
from incidents.metrics.models import BucketWidth, Metric, MetricBucket, MetricProvider, ProviderType

from ..processes import PROMETHEUS, PrometheusServer, free_port, missing, poll, prometheus_lacking

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CONFIG = """
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


@pytest.fixture
def prometheus(tmp_path) -> Iterator[PrometheusServer]:
    lacking = prometheus_lacking(PROMETHEUS)
    if lacking:
        missing(lacking)
    port = free_port()
    server = PrometheusServer(PROMETHEUS, tmp_path / "prometheus", CONFIG.format(port=port), port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def provider_at(url: str) -> MetricProvider:
    return services.provider_save(MetricProvider(type=ProviderType.PROMETHEUS, base_url=url))


def metric(provider: MetricProvider, name: str, query: str) -> Metric:
    return services.metric_save(Metric(provider=provider, name=name, query=query))


def buckets(metric: Metric) -> dict[int, tuple[int, float]]:
    """Bucket width to (count, maximum) of the metric's newest bucket of that width."""
    rows = MetricBucket.objects.filter(metric=metric).order_by("start")
    return {width: (n, high) for width, n, high in rows.values_list("width", "count", "max")}


def test_prometheus_values_fill_the_buckets_and_the_status_page_draws_them(client, prometheus):
    provider = provider_at(prometheus.base)
    up = metric(provider, "Targets up", "up")
    samples = metric(provider, "Samples per scrape", "scrape_samples_scraped")
    assert "No data has arrived yet." in client.get("/").text

    # Each poll asks for the value at the start of its minute; a Prometheus started seconds
    # ago has no sample that old. The site's clock is set to the next minute, as though beat
    # ran then: Prometheus answers with its latest sample (it looks 5 minutes back).
    now = datetime.now(UTC)
    next_minute = now.replace(second=1, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(next_minute, tick=True):
        try:
            poll(
                lambda: all(m.most_recent_data_at for m in Metric.objects.all()),
                30,
                what=f"a point of each metric from {prometheus.base}",
                nudge=tasks.poll,
                nudge_every=1,
            )
        except AssertionError as error:  # what staff would see in the admin, to say why
            seen = Metric.objects.values_list("name", "last_error")
            state = MetricProvider.objects.values_list("last_error", "failures", "next_poll_at")
            why = f"{error}; metrics: {list(seen)}; provider: {list(state)}"
            raise AssertionError(why) from None
        page = client.get("/").text

    assert buckets(up) == {BucketWidth.MINUTE: (1, 1.0), BucketWidth.HOUR: (1, 1.0)}
    count, high = buckets(samples)[BucketWidth.MINUTE]
    assert count == 1 and 100 <= high <= 100_000  # a Prometheus's own metrics: some hundreds
    provider.refresh_from_db()
    assert provider.last_error == "" and provider.last_succeeded_at is not None
    assert page.count("Data last arrived at") == 2 * 3  # each metric's day, week and month
    assert "No data has arrived yet." not in page
    for shown in (up, samples):
        assert f'id="metric-{shown.public_id}-day"' in page


def test_a_prometheus_that_cannot_be_reached_is_shown_to_staff_not_to_readers(
    client, support_client
):
    provider = provider_at(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    metric(provider, "Targets up", "up")
    report = tasks.poll()
    assert report["failed_providers"] == [provider.public_id]
    provider.refresh_from_db()
    assert provider.last_error.startswith("cannot reach the server")
    listing = support_client.get(reverse("admin:metrics_metricprovider_changelist"))
    assert listing.status_code == 200 and "cannot reach the server" in listing.text
    page = client.get("/")
    assert page.status_code == 200
    assert "No data has arrived yet." in page.text and "cannot reach" not in page.text
