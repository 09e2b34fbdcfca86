"""Polling Prometheus: each minute, each metric of each Prometheus provider is evaluated once
(`GET <base>/api/v1/query?query=<promql>&time=<the minute>`) and its value stored as a point.

Failures never reach the public pages: they leave a gap in the chart and are shown to staff
(the provider's and the metric's "last error" in the admin).

- The server cannot be reached, is too slow (PROMETHEUS_TIMEOUT) or answers 5xx/429: a failure
  of the provider. Its other metrics are not tried this minute, and polls wait 1, 2, 4 ...
  minutes (at most an hour) before the next attempt (`next_poll_at`).
- The server refuses one query (4xx: a PromQL error), or it gives no usable sample (no series,
  NaN): that metric's error; the others and the next minute are polled as usual.

Each poll evaluates the query at the start of the current minute, and that instant is the
point's timestamp: two schedulers polling the same minute store the same point once.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import Metric, MetricProvider, ProviderType, unix_time
from .ingest import Point, metric_data_add

logger = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
MAX_ANSWER = 1024 * 1024  # an instant query's answer for one series is tiny
MAX_ERROR = 500


class ProviderFailure(Exception):
    """The server could not be asked (unreachable, slow, overloaded)."""


class QueryFailure(Exception):
    """The server answered, but this query gave no value."""


@dataclass
class PollReport:
    stored: int = 0
    failed_providers: list[str] = field(default_factory=list)
    failed_metrics: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.PROMETHEUS_TIMEOUT) as answer:
            return answer.status, answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(MAX_ANSWER)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise ProviderFailure(f"no answer within {settings.PROMETHEUS_TIMEOUT:g} s") from error
        raise ProviderFailure(f"cannot reach the server: {reason}") from error


def query_value(base_url: str, query: str, at: int) -> float:
    """The value of `query` evaluated at `at` (unix seconds): a scalar, or the first sample of
    a vector. Raises ProviderFailure or QueryFailure."""
    url = (
        base_url.rstrip("/")
        + "/api/v1/query?"
        + urllib.parse.urlencode({"query": query, "time": at})
    )
    status, body = _get(url)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if status >= 500 or status == 429:
        raise ProviderFailure(f"the server answered {status}")
    if not isinstance(answer, dict):
        raise ProviderFailure(f"the server answered {status} without Prometheus's JSON")
    if status >= 400 or answer.get("status") != "success":
        reason = answer.get("error") or answer.get("errorType") or f"status {status}"
        raise QueryFailure(f"the query was refused: {reason}")
    data = answer.get("data") or {}
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        sample = result
    elif kind == "vector" and isinstance(result, list):
        if not result:
            raise QueryFailure("the query returned no series")
        sample = (result[0] or {}).get("value")
    else:
        raise QueryFailure(f"the query returned a {kind}, not a scalar or an instant vector")
    try:
        value = float(sample[1])
    except (TypeError, ValueError, IndexError):
        raise QueryFailure("the answer holds no sample value") from None
    if not math.isfinite(value):
        raise QueryFailure(f"the query returned {sample[1]}")
    return value


def prometheus_poll(*, now: datetime | None = None) -> PollReport:
    """Polls every due Prometheus provider's metrics once (see the module's docstring) and
    stores their values through `metric_data_add`. Never raises for a provider's or a
    query's failure: it is recorded for staff, and the next poll is scheduled."""
    now = now or timezone.now()
    at = unix_time(now) // 60 * 60
    polled = MetricProvider.objects.filter(type=ProviderType.PROMETHEUS, disabled=False)
    report = PollReport(
        skipped=list(polled.filter(next_poll_at__gt=now).values_list("public_id", flat=True))
    )
    for provider in polled.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)):
        metrics = list(provider.metrics.exclude(query=""))
        values: dict[Metric, list[Point]] = {}
        errors: dict[Metric, str] = {}
        failure = None
        if not provider.address:
            failure = "no address: set the provider's base URL or PROMETHEUS_URL"
        for metric in metrics if failure is None else []:
            try:
                values[metric] = [Point(at, query_value(provider.address, metric.query, at))]
            except QueryFailure as error:
                errors[metric] = str(error)
            except ProviderFailure as error:
                failure = str(error)
                break
        if values:
            report.stored += sum(len(v) for v in metric_data_add(values, now=now).values())
        for metric in values:
            Metric.objects.filter(pk=metric.pk).update(last_fetched_at=now, last_error="")
        for metric, error in errors.items():
            Metric.objects.filter(pk=metric.pk).update(last_error=error[:MAX_ERROR])
            report.failed_metrics.append(metric.public_id)
        if failure is None:
            MetricProvider.objects.filter(pk=provider.pk).update(
                last_polled_at=now, last_succeeded_at=now, last_error="", failures=0,
                next_poll_at=None,
            )  # fmt: skip
            continue
        failures = provider.failures + 1
        wait = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** min(failures - 1, 12))
        MetricProvider.objects.filter(pk=provider.pk).update(
            last_polled_at=now, last_error=failure[:MAX_ERROR], failures=failures,
            next_poll_at=now + wait,
        )  # fmt: skip
        logger.warning("Prometheus provider %s failed: %s", provider.public_id, failure)
        report.failed_providers.append(provider.public_id)
    return report
