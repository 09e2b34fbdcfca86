"""Writes of the metrics app. The admin, the management API and the tasks call these; none of
them saves a provider, a metric or a data point on its own."""

from .config import metric_delete, metric_save, provider_delete, provider_save
from .ingest import (
    Point,
    metric_data_add,
    metric_data_delete,
    metric_data_prune,
)
from .prometheus import PollReport, prometheus_poll

__all__ = [
    "Point",
    "PollReport",
    "metric_data_add",
    "metric_data_delete",
    "metric_data_prune",
    "metric_delete",
    "metric_save",
    "prometheus_poll",
    "provider_delete",
    "provider_save",
]
