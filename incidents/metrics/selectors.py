"""Reads: the metrics a page draws, with their data aggregated in SQL.

`metric_board` issues four queries whatever the number of metrics and points: the metrics,
then one per period (day, week, month) for all of their intervals at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import BigIntegerField, ExpressionWrapper, F, Max, Min, QuerySet, Sum
from django.utils import timezone

from incidents.models import Component

from . import charts
from .models import Metric, MetricBucket, unix_time


def shown_metrics(component: Component | None = None) -> QuerySet[Metric]:
    """The metrics the status page draws, in their order; with `component`, those of its
    page (a pod's)."""
    metrics = Metric.objects.filter(display=True).order_by("position", "name", "pk")
    if component is not None:
        metrics = metrics.filter(components=component)
    return metrics


def slots(
    metric_ids: list[int], period: charts.Period, end: int
) -> dict[int, dict[int, charts.Stat]]:
    """Each metric's data in `period` ending at `end` (unix seconds), by interval start: the
    period's buckets summed up per interval, in one query."""
    start = end - period.span
    slot = ExpressionWrapper(F("start") / period.step * period.step, output_field=BigIntegerField())
    rows = (
        MetricBucket.objects.filter(
            metric_id__in=metric_ids, width=period.source, start__gte=start, start__lt=end
        )
        .annotate(slot=slot)
        .values("metric_id", "slot")
        .annotate(total=Sum("sum"), n=Sum("count"), low=Min("min"), high=Max("max"))
        .order_by()
    )
    found: dict[int, dict[int, charts.Stat]] = {pk: {} for pk in metric_ids}
    for row in rows:
        found[row["metric_id"]][row["slot"]] = charts.Stat(
            row["total"], row["n"], row["low"], row["high"]
        )
    return found


def metric_board(
    component: Component | None = None, *, now: datetime | None = None
) -> charts.Board | None:
    """The charts of every metric `shown_metrics` gives, for the last day, week and month;
    None when there is none to draw."""
    metrics = list(shown_metrics(component))
    if not metrics:
        return None
    moment = unix_time(now or timezone.now())
    ids = [metric.pk for metric in metrics]
    data = {}
    for period in charts.PERIODS:
        end = charts.end_of(period, moment)
        data[period.key] = (end, slots(ids, period, end))
    return charts.board(metrics, data)
