"""Metrics, where their data comes from, and the data itself.

Storage (the README's "System metrics" section says the same):

- `MetricPoint`: every data point as it was posted, one row per (metric, timestamp). Posting a
  timestamp again replaces its value, as in Statuspage, so a retried post never counts twice.
  Kept while a point may still be replaced: the ingest window (28 days) and a margin.
- `MetricBucket`: the aggregate (sum, count, min, max) of the points of one fixed interval,
  rebuilt from the points each time one of them changes. Two widths: 60 s (kept two days,
  read by the day chart) and 3600 s (kept 32 days, read by the week and month charts), so
  that a chart reads at most a few thousand rows per metric whatever the posting rate.

Timestamps are unix seconds (UTC by definition), as the API sends them: integer arithmetic
puts a point in its bucket, and a chart's coarser slots, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from incidents.models import Component
from incidents.models.base import (
    DESCRIPTION_LENGTH,
    PublicIdField,
    Timestamped,
    choices_constraint,
)

MAX_DECIMAL_PLACES = 6


def is_server_address(value: str) -> bool:
    """An http(s) address with a host (and a valid port, if any), without spaces."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a bad one)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in value)
    )


class ProviderType(models.TextChoices):
    # Statuspage's spelling of the type names.
    SELF = "Self", "Self (data pushed through the API)"
    PROMETHEUS = "Prometheus", "Prometheus (polled every minute)"


class Transform(models.TextChoices):
    """What a chart draws of the points in each of its intervals."""

    AVERAGE = "average", "Average"
    SUM = "sum", "Sum"
    COUNT = "count", "Count"
    MIN = "min", "Minimum"
    MAX = "max", "Maximum"


class BucketWidth(models.IntegerChoices):
    MINUTE = 60, "1 minute"
    HOUR = 3600, "1 hour"


class MetricProvider(Timestamped):
    """Where a metric's data comes from: pushed to us (`Self`), or polled from Prometheus."""

    public_id = PublicIdField()
    type = models.CharField(
        "type", max_length=16, choices=ProviderType.choices, default=ProviderType.SELF
    )
    base_url = models.CharField(
        "base URL",
        max_length=500,
        blank=True,
        help_text="Prometheus: the server's address, e.g. http://prometheus:9090. Empty: the "
        "PROMETHEUS_URL setting.",
    )
    disabled = models.BooleanField(
        "disabled",
        default=False,
        help_text="Not polled while disabled. Its metrics keep their data and still accept "
        "pushed points.",
    )
    # Polling (Prometheus): the last attempt, its error, and the backoff after failures.
    last_polled_at = models.DateTimeField("last polled at", null=True, blank=True, editable=False)
    last_succeeded_at = models.DateTimeField(
        "last succeeded at", null=True, blank=True, editable=False
    )
    last_error = models.TextField("last error", blank=True, editable=False)
    failures = models.PositiveIntegerField("failures in a row", default=0, editable=False)
    next_poll_at = models.DateTimeField(
        "next poll at",
        null=True,
        blank=True,
        editable=False,
        help_text="After failures, polls wait until then (the wait doubles with each failure).",
    )

    class Meta:
        ordering = ["type", "created_at"]
        verbose_name = "metric provider"
        verbose_name_plural = "metric providers"
        constraints = [choices_constraint("type", ProviderType, "metric_provider_type_valid")]

    def clean(self) -> None:
        super().clean()
        # Not URLField's check: an address inside a cluster often has no dot
        # (http://prometheus:9090).
        if self.base_url and not is_server_address(self.base_url):
            raise ValidationError(
                {"base_url": "Enter an http(s) address, e.g. http://prometheus:9090."}
            )

    def __str__(self) -> str:
        if self.type == ProviderType.PROMETHEUS:
            return f"Prometheus at {self.address or '(no address)'}"
        return "Self (pushed data)"

    @property
    def address(self) -> str:
        """The address polled: the provider's own, else the PROMETHEUS_URL setting."""
        if self.base_url:
            return self.base_url
        return settings.PROMETHEUS_URL if self.type == ProviderType.PROMETHEUS else ""


class Metric(Timestamped):
    """One measured quantity (API latency, error rate...), drawn on the status page for the
    last day, week and month, and on the pages of the pods it belongs to."""

    public_id = PublicIdField()
    provider = models.ForeignKey(
        MetricProvider, verbose_name="provider", related_name="metrics", on_delete=models.CASCADE
    )
    name = models.CharField("name", max_length=255)
    query = models.TextField(
        "metric identifier",
        blank=True,
        max_length=DESCRIPTION_LENGTH,
        help_text="Prometheus: the PromQL expression evaluated each minute (an instant query; "
        "the first sample's value is stored, so write one that returns one series, e.g. "
        "sum(...)). Pushed data: an optional label for your scripts.",
    )
    transform = models.CharField(
        "transform",
        max_length=16,
        choices=Transform.choices,
        default=Transform.AVERAGE,
        help_text="What the charts draw of the points in each interval.",
    )
    suffix = models.CharField("suffix", max_length=32, blank=True, help_text="e.g. ms, %, req/s")
    decimal_places = models.PositiveSmallIntegerField(
        "decimal places", default=0, validators=[MaxValueValidator(MAX_DECIMAL_PLACES)]
    )
    y_axis_min = models.FloatField(
        "y-axis minimum", null=True, blank=True, help_text="Empty: 0, or the lowest value below it."
    )
    y_axis_max = models.FloatField(
        "y-axis maximum", null=True, blank=True, help_text="Empty: the highest value shown."
    )
    y_axis_hidden = models.BooleanField("hide the y-axis", default=False)
    tooltip_description = models.TextField(
        "description", blank=True, max_length=DESCRIPTION_LENGTH,
        help_text="Shown under the metric's name.",
    )  # fmt: skip
    display = models.BooleanField(
        "show on the status page",
        default=True,
        help_text="Shown on the status page, and on the pages of the components below.",
    )
    position = models.PositiveIntegerField("position", default=0)
    components = models.ManyToManyField(
        Component,
        verbose_name="components",
        related_name="metrics",
        blank=True,
        help_text="Also shown on these pods' pages.",
    )
    most_recent_data_at = models.DateTimeField(
        "most recent data at", null=True, blank=True, editable=False
    )
    last_fetched_at = models.DateTimeField("last fetched at", null=True, blank=True, editable=False)
    last_error = models.TextField("last error", blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "metric"
        verbose_name_plural = "metrics"
        constraints = [
            choices_constraint("transform", Transform, "metric_transform_valid"),
            models.CheckConstraint(
                condition=models.Q(decimal_places__lte=MAX_DECIMAL_PLACES),
                name="metric_decimal_places_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(y_axis_min__isnull=True)
                | models.Q(y_axis_max__isnull=True)
                | models.Q(y_axis_min__lt=models.F("y_axis_max")),
                name="metric_y_axis_ordered",
                violation_error_message="The y-axis minimum must be below its maximum.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The status page's metrics, where this one is drawn (when displayed)."""
        return reverse("incidents:status") + "#metrics"

    def clean(self) -> None:
        super().clean()
        provider = self.provider if self.provider_id else None
        if provider is not None and provider.type == ProviderType.PROMETHEUS and not self.query:
            raise ValidationError(
                {"query": "A Prometheus metric needs its PromQL expression (metric identifier)."}
            )


def unix_time(instant: datetime) -> int:
    return int(instant.timestamp())


def instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class MetricPoint(models.Model):
    """One posted value: the latest posted for its metric and timestamp."""

    # No index of its own: the unique constraint's index starts with it.
    metric = models.ForeignKey(
        Metric,
        verbose_name="metric",
        related_name="points",
        on_delete=models.CASCADE,
        db_index=False,
    )
    at = models.BigIntegerField("timestamp (unix seconds)")
    value = models.FloatField("value")

    class Meta:
        verbose_name = "data point"
        verbose_name_plural = "data points"
        constraints = [
            # The upsert's conflict target; it also serves the bucket rebuild and the prune:
            # WHERE metric_id = %s AND at >= %s AND at < %s.
            models.UniqueConstraint(fields=["metric", "at"], name="metric_point_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}@{self.at}={self.value}"


class MetricBucket(models.Model):
    """The points of one metric in [start, start + width): their sum, count, min and max."""

    # No index of its own: the unique constraint's index starts with it.
    metric = models.ForeignKey(
        Metric,
        verbose_name="metric",
        related_name="buckets",
        on_delete=models.CASCADE,
        db_index=False,
    )
    width = models.PositiveIntegerField("width (seconds)", choices=BucketWidth.choices)
    start = models.BigIntegerField("start (unix seconds)")
    sum = models.FloatField("sum")
    count = models.PositiveIntegerField("count")
    min = models.FloatField("minimum")
    max = models.FloatField("maximum")

    class Meta:
        verbose_name = "bucket"
        verbose_name_plural = "buckets"
        constraints = [
            # The upsert's conflict target; it also serves the charts' read, for all metrics
            # at once: WHERE metric_id IN (...) AND width = %s AND start >= %s.
            models.UniqueConstraint(
                fields=["metric", "width", "start"], name="metric_bucket_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(width__in=BucketWidth.values), name="metric_bucket_width_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}@{self.start}+{self.width}"
