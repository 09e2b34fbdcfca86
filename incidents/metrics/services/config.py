"""Setting metrics up: providers and metrics, created, changed and deleted by staff (the admin
and the management API call these). Each change is announced as a domain event: audited, and a
change to what the status page draws renews the public pages."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from incidents.events import Event, emit, snapshot, stored
from incidents.models import Component

from ..models import Metric, MetricProvider


@transaction.atomic
def provider_save(provider: MetricProvider, *, actor=None) -> MetricProvider:
    """Creates or updates a provider after validating it (a known type, an http(s) address).
    Changing its address or turning it back on clears the backoff: the next poll is at once."""
    before = stored(MetricProvider, provider.pk)
    provider.full_clean()
    if before and (
        before["base_url"] != provider.base_url or before["disabled"] != provider.disabled
    ):
        provider.failures, provider.next_poll_at = 0, None
    provider.save()
    action = "metric_provider.update" if before else "metric_provider.create"
    emit(
        Event(action, provider, actor=actor, before=before, after=snapshot(provider), public=False)
    )
    return provider


@transaction.atomic
def provider_delete(provider: MetricProvider, *, actor=None) -> None:
    """Deletes a provider with its metrics and their data (as Statuspage does)."""
    shown = provider.metrics.filter(display=True).exists()
    emit(
        Event("metric_provider.delete", provider, actor=actor, before=snapshot(provider),
              public=shown)
    )  # fmt: skip
    provider.delete()


@transaction.atomic
def metric_save(
    metric: Metric, *, components: Iterable[Component] | None = None, actor=None
) -> Metric:
    """Creates or updates a metric after validating it (a Prometheus metric needs its query,
    the y-axis bounds in order), and sets its components when given. Its data is kept."""
    before = stored(Metric, metric.pk)
    metric.full_clean()
    metric.save()
    if components is not None:
        metric.components.set(components)
    after = snapshot(metric)
    action = "metric.update" if before else "metric.create"
    # What the page draws changed unless the metric is hidden before and after.
    shown = metric.display or bool(before and before["display"])
    emit(Event(action, metric, actor=actor, before=before, after=after, public=shown))
    return metric


@transaction.atomic
def metric_delete(metric: Metric, *, actor=None) -> None:
    """Deletes a metric and its data."""
    emit(
        Event("metric.delete", metric, actor=actor, before=snapshot(metric), public=metric.display)
    )
    metric.delete()
