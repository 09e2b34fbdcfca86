"""Data points in: validated, stored once per (metric, timestamp), and aggregated into buckets.

The management API (one point, or many metrics' points at once), the Prometheus poller and
the benchmarks call `metric_data_add`; none of them writes a point or a bucket on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import batched

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from incidents.events import Event, emit

from .. import freshness
from ..models import (
    BucketWidth,
    Metric,
    MetricBucket,
    MetricPoint,
    instant,
    unix_time,
)

# Statuspage takes points of the last 28 days, and none from the future; a sender's clock may
# run a little ahead of ours.
WINDOW = timedelta(days=28)
CLOCK_SKEW = timedelta(minutes=5)
# How long each kind of row is kept: points while they may be replaced, minute buckets for the
# day chart, hour buckets for the month chart (30 days) and a margin.
KEEP_POINTS = WINDOW + timedelta(hours=1)
KEEP = {BucketWidth.MINUTE: timedelta(days=2), BucketWidth.HOUR: timedelta(days=32)}
# Rows per statement; and how far apart two changed buckets may be and still be rebuilt by
# one query (the points between them are read again, which is cheaper than another query).
CHUNK = 2000
REBUILD_GAP = {BucketWidth.MINUTE: 3600, BucketWidth.HOUR: 24 * 3600}


@dataclass(frozen=True)
class Point:
    timestamp: int  # unix seconds
    value: float


def _number(raw, what: str) -> float:
    """A JSON number, or a string that spells one (form-encoded posts send text)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"the {what} is not a number")
    if isinstance(raw, str):
        try:
            raw = float(raw.strip())
        except ValueError:
            raise ValueError(f"the {what} is not a number") from None
    try:
        number = float(raw)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"the {what} must be a finite number, not {number}")
    return number


class _Window:
    """The timestamps accepted at `now`: the last 28 days, and a little clock skew ahead."""

    def __init__(self, now: datetime):
        self.low = unix_time(now - WINDOW)
        self.high = unix_time(now + CLOCK_SKEW)

    def point(self, timestamp, value) -> tuple[int, float]:
        """A point as posted, checked: a finite value and a timestamp (unix seconds) in the
        window. Raises ValueError saying what is wrong."""
        seconds = _number(timestamp, "timestamp")
        number = _number(value, "value")
        if seconds < self.low:
            raise ValueError("the timestamp is more than 28 days old")
        if seconds > self.high:
            raise ValueError("the timestamp is in the future")
        return int(seconds), number

    def read(self, raw) -> tuple[int, float]:
        if isinstance(raw, Point):
            return self.point(raw.timestamp, raw.value)
        if isinstance(raw, Mapping):
            return self.point(raw.get("timestamp"), raw.get("value"))
        try:
            timestamp, value = raw
        except (TypeError, ValueError):
            raise ValueError("a point is a timestamp and a value") from None
        return self.point(timestamp, value)


def metric_data_add(
    data: Mapping[Metric, Iterable], *, now: datetime | None = None
) -> dict[Metric, list[Point]]:
    """Stores the points of each metric: `data` maps a metric to its points, each a `Point`,
    a (timestamp, value) pair or a {"timestamp": ..., "value": ...} mapping.

    Guarantees: every point is checked before anything is written, and one bad point refuses
    the whole call (ValidationError naming it) with nothing stored. A timestamp posted again
    replaces its value (the last one given wins, within a call too), so a retried post never
    counts twice. The buckets of every changed interval are rebuilt from the points in the
    same transaction, and the public pages are renewed after the commit (at most once a
    minute). Returns, per metric, the points stored, oldest first.
    """
    window = _Window(now or timezone.now())
    points: dict[Metric, dict[int, float]] = {}
    for metric, given in data.items():
        kept = points.setdefault(metric, {})
        for index, raw in enumerate(given):
            try:
                at, value = window.read(raw)
            except ValueError as error:
                raise ValidationError(
                    {"data": f"Point {index} of metric {metric.public_id}: {error}."}
                ) from None
            kept[at] = value
    points = {metric: dict(sorted(kept.items())) for metric, kept in points.items() if kept}
    if points:
        _store(points)
    return {
        metric: [Point(at, value) for at, value in points.get(metric, {}).items()]
        for metric in data
    }


def _store(points: dict[Metric, dict[int, float]]) -> None:
    with transaction.atomic():
        # One writer per metric at a time (PostgreSQL; SQLite has one writer anyway), so that
        # two posts into the same bucket cannot each rebuild it without the other's point.
        locked = Metric.objects.select_for_update().filter(pk__in=[m.pk for m in points])
        latest = dict(locked.order_by("pk").values_list("pk", "most_recent_data_at"))
        if gone := [m.public_id for m in points if m.pk not in latest]:
            raise ValidationError({"data": f"No metric has the id {', '.join(gone)} any more."})
        for metric, kept in points.items():
            _upsert_points(metric.pk, kept)
            for width in BucketWidth:
                _rebuild(metric.pk, width, sorted({at - at % width for at in kept}))
            newest = max(filter(None, [latest[metric.pk], instant(max(kept))]))
            Metric.objects.filter(pk=metric.pk).update(most_recent_data_at=newest)
            metric.most_recent_data_at = newest
        transaction.on_commit(freshness.data_arrived)


# Two statements in SQL of our own, the same on SQLite and PostgreSQL: at 100,000 points,
# bulk_create's model instance and compiled SQL per row cost five times the database's own
# work, and the buckets are best summed where the points are.


def _upsert_points(metric_id: int, points: dict[int, float]) -> None:
    """Each point inserted, or its timestamp's value replaced: many rows per statement (one
    round trip each, which PostgreSQL's executemany would spend per row)."""
    table = connection.ops.quote_name(MetricPoint._meta.db_table)
    per_statement = min(CHUNK, (connection.features.max_query_params or 3 * CHUNK) // 3)
    with connection.cursor() as cursor:
        for batch in batched(points.items(), per_statement):
            rows = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (metric_id, at, value) VALUES {rows} "
                "ON CONFLICT (metric_id, at) DO UPDATE SET value = excluded.value",
                [param for at, value in batch for param in (metric_id, at, value)],
            )


def _runs(starts: list[int], width: int) -> Iterable[tuple[int, int]]:
    """[low, high) ranges covering the sorted bucket `starts`, close ones merged."""
    low = previous = starts[0]
    for start in starts[1:]:
        if start - previous > REBUILD_GAP[width]:
            yield low, previous + width
            low = start
        previous = start
    yield low, previous + width


def _rebuild(metric_id: int, width: int, starts: list[int]) -> None:
    """Each bucket in `starts` (and those between close ones) recomputed from its points."""
    buckets = connection.ops.quote_name(MetricBucket._meta.db_table)
    points = connection.ops.quote_name(MetricPoint._meta.db_table)
    width = int(width)  # a literal: PostgreSQL groups by the select list's own expression
    sql = (
        f"INSERT INTO {buckets} (metric_id, width, start, sum, count, min, max) "
        f"SELECT metric_id, {width}, at / {width} * {width}, SUM(value), COUNT(*), MIN(value), "
        f"MAX(value) FROM {points} WHERE metric_id = %s AND at >= %s AND at < %s "
        f"GROUP BY metric_id, at / {width} * {width} "
        "ON CONFLICT (metric_id, width, start) DO UPDATE SET sum = excluded.sum, "
        "count = excluded.count, min = excluded.min, max = excluded.max"
    )
    with connection.cursor() as cursor:
        for low, high in _runs(starts, width):
            cursor.execute(sql, [metric_id, low, high])


@transaction.atomic
def metric_data_delete(metric: Metric, *, actor=None) -> Metric:
    """Removes every point and bucket of `metric` (Statuspage's "reset data"); the metric
    itself stays, with no data."""
    MetricPoint.objects.filter(metric=metric).delete()
    MetricBucket.objects.filter(metric=metric).delete()
    metric.most_recent_data_at = None
    metric.save(update_fields=["most_recent_data_at", "updated_at"])
    emit(Event("metric.data_delete", metric, actor=actor, public=metric.display))
    return metric


def metric_data_prune(*, now: datetime | None = None) -> int:
    """Deletes the points and buckets older than they are needed (see KEEP). Returns the
    number of rows deleted. Per metric, so that each delete follows its index."""
    now = now or timezone.now()
    deleted = 0
    for metric_id in Metric.objects.values_list("pk", flat=True):
        deleted += MetricPoint.objects.filter(
            metric_id=metric_id, at__lt=unix_time(now - KEEP_POINTS)
        ).delete()[0]
        for width, keep in KEEP.items():
            deleted += MetricBucket.objects.filter(
                metric_id=metric_id, width=width, start__lt=unix_time(now - keep)
            ).delete()[0]
    return deleted
