"""Metric providers, metrics and their data, as Statuspage's MetricProvidersApi and MetricsApi
call them: providers (list, create, read, change, delete, their metrics), metrics (list, read,
change, delete), data points (`POST .../metrics/{id}/data`, bulk `POST .../metrics/data`) and
resetting a metric's data (`DELETE .../metrics/{id}/data`).

Where Statuspage's published description and its API differ, the API wins: the lists answer
arrays (the description says one object), and a provider carries no `page_id` (described as
an integer, which this page's id is not: the generated client would fail to read it).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from ...metrics import services
from ...metrics.models import Metric, MetricProvider, ProviderType, Transform
from ...statuspage_json import timestamp
from ..auth import OAuthKey
from ..schemas import ERRORS, Error, Paging, Strict, Timestamp
from .common import components_named, page_scoped, refusals_named, requires

router = Router(auth=OAuthKey(), tags=["management"])
router.add_decorator(page_scoped)

# `metrics/{metric_id}` answers 405 for the id "data" (that path is the bulk post's).
ID_ERRORS = {**ERRORS, 405: Error}
# An empty id would make another path (`metrics//data` is read as `metrics/data`).
MetricId = Annotated[str, Path(min_length=1)]
ProviderId = Annotated[str, Path(min_length=1)]

ProviderTypeValue = Literal[tuple(ProviderType.values)]  # type: ignore[valid-type]
TransformValue = Literal[tuple(Transform.values)]  # type: ignore[valid-type]
# A number as JSON writes it, or as text (form-encoded posts, as Statuspage's docs send them).
Number = StrictInt | StrictFloat | Annotated[StrictStr, Field(max_length=64)]


# Shapes


class Provider(Schema):
    id: str
    type: str
    disabled: bool
    metric_base_uri: str | None
    last_revalidated_at: Timestamp | None = Field(description="The last successful poll.")
    created_at: Timestamp
    updated_at: Timestamp


class MetricShape(Schema):
    id: str
    metrics_provider_id: str
    metric_identifier: str
    name: str
    display: bool
    tooltip_description: str
    backfilled: bool
    y_axis_min: float | None
    y_axis_max: float | None
    y_axis_hidden: bool
    suffix: str
    decimal_places: int
    most_recent_data_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    last_fetched_at: Timestamp | None
    backfill_percentage: int
    reference_name: str
    transform: str = Field(description="What the charts draw of each interval's points.")
    component_ids: list[str] = Field(description="The components on whose pages it is shown.")


class PointShape(Schema):
    timestamp: int = Field(description="Unix seconds.")
    value: float


class PointAnswer(Schema):
    data: PointShape


class ProviderFields(Strict):
    type: ProviderTypeValue | None = None
    metric_base_uri: str | None = Field(default=None, max_length=500)
    # Other providers' credentials: neither Self nor Prometheus takes any.
    email: str | None = None
    password: str | None = None
    api_key: str | None = None
    api_token: str | None = None
    application_key: str | None = None
    disabled: StrictBool | None = None


class ProviderRequest(Strict):
    metrics_provider: ProviderFields


class MetricFields(Strict):
    name: str | None = Field(default=None, max_length=255)
    metric_identifier: str | None = None
    transform: TransformValue | None = None
    suffix: str | None = Field(default=None, max_length=32)
    y_axis_min: StrictFloat | StrictInt | None = None
    y_axis_max: StrictFloat | StrictInt | None = None
    y_axis_hidden: StrictBool | None = None
    display: StrictBool | None = None
    decimal_places: StrictInt | None = None
    tooltip_description: str | None = None
    component_ids: list[str] | None = Field(default=None, max_length=1000)


class MetricRequest(Strict):
    metric: MetricFields


class PointFields(Strict):
    timestamp: Number = Field(description="Unix seconds, within the last 28 days.")
    value: Number = Field(description="A finite number.")


class PointRequest(Strict):
    data: PointFields


class PointsRequest(Strict):
    data: dict[str, list[PointFields]] = Field(
        description="By metric id, its points.", max_length=1000
    )


# Our field names where the client's differ, for the refusals.
CLIENT_NAMES = {"base_url": "metric_base_uri", "query": "metric_identifier"}


def _provider(provider: MetricProvider) -> dict:
    return {
        "id": provider.public_id,
        "type": provider.type,
        "disabled": provider.disabled,
        "metric_base_uri": provider.address or None,
        "last_revalidated_at": timestamp(provider.last_succeeded_at),
        "created_at": timestamp(provider.created_at),
        "updated_at": timestamp(provider.updated_at),
    }


def _metric(metric: Metric) -> dict:
    return {
        "id": metric.public_id,
        "metrics_provider_id": metric.provider.public_id,
        "metric_identifier": metric.query,
        "name": metric.name,
        "display": metric.display,
        "tooltip_description": metric.tooltip_description,
        "backfilled": False,
        "y_axis_min": metric.y_axis_min,
        "y_axis_max": metric.y_axis_max,
        "y_axis_hidden": metric.y_axis_hidden,
        "suffix": metric.suffix,
        "decimal_places": metric.decimal_places,
        "most_recent_data_at": timestamp(metric.most_recent_data_at),
        "created_at": timestamp(metric.created_at),
        "updated_at": timestamp(metric.updated_at),
        "last_fetched_at": timestamp(metric.last_fetched_at),
        "backfill_percentage": 0,
        "reference_name": metric.name,
        "transform": metric.transform,
        "component_ids": [c.public_id for c in metric.components.all()],
    }


def _metrics():
    return Metric.objects.select_related("provider").prefetch_related("components")


def _get_provider(provider_id: str) -> MetricProvider:
    return get_object_or_404(MetricProvider, public_id=provider_id)


def _get_metric(metric_id: str) -> Metric:
    return get_object_or_404(_metrics(), public_id=metric_id)


def _fresh(metric: Metric) -> dict:
    return _metric(_metrics().get(pk=metric.pk))


# Providers


@router.get(
    "{page_id}/metrics_providers", response={200: list[Provider], **ERRORS}, exclude_unset=True
)
@requires("metrics.view_metricprovider")
def list_providers(request, page_id: str, paging: Query[Paging]):
    return [_provider(p) for p in paging.of(MetricProvider.objects.order_by("created_at", "pk"))]


def _save_provider(request, provider: MetricProvider, fields: ProviderFields) -> MetricProvider:
    given = fields.model_dump(exclude_unset=True)
    credentials = {"email", "password", "api_key", "api_token", "application_key"}
    if any(given.get(name) for name in credentials):
        raise ValidationError(
            {"metrics_provider": "Self and Prometheus providers take no credentials."}
        )
    if given.get("type") is not None:
        provider.type = given["type"]
    if "metric_base_uri" in given:
        provider.base_url = given["metric_base_uri"] or ""
    if given.get("disabled") is not None:
        provider.disabled = given["disabled"]
    with refusals_named(CLIENT_NAMES):
        return services.provider_save(provider, actor=request.user)


@router.post("{page_id}/metrics_providers", response={201: Provider, **ERRORS}, exclude_unset=True)
@requires("metrics.add_metricprovider")
def create_provider(request, page_id: str, body: ProviderRequest):
    provider = _save_provider(request, MetricProvider(), body.metrics_provider)
    return Status(201, _provider(provider))


@router.get(
    "{page_id}/metrics_providers/{metrics_provider_id}",
    response={200: Provider, **ERRORS},
    exclude_unset=True,
)
@requires("metrics.view_metricprovider")
def get_provider(request, page_id: str, metrics_provider_id: ProviderId):
    return _provider(_get_provider(metrics_provider_id))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/metrics_providers/{metrics_provider_id}",
    response={200: Provider, **ERRORS},
    exclude_unset=True,
)
@requires("metrics.change_metricprovider")
def update_provider(request, page_id: str, metrics_provider_id: ProviderId, body: ProviderRequest):
    provider = _get_provider(metrics_provider_id)
    return _provider(_save_provider(request, provider, body.metrics_provider))


@router.delete(
    "{page_id}/metrics_providers/{metrics_provider_id}",
    response={200: Provider, **ERRORS},
    exclude_unset=True,
)
@requires("metrics.delete_metricprovider")
def delete_provider(request, page_id: str, metrics_provider_id: ProviderId):
    """Answers the deleted provider; its metrics and their data are deleted with it."""
    provider = _get_provider(metrics_provider_id)
    shape = _provider(provider)
    services.provider_delete(provider, actor=request.user)
    return shape


@router.get(
    "{page_id}/metrics_providers/{metrics_provider_id}/metrics",
    response={200: list[MetricShape], **ERRORS},
    exclude_unset=True,
)
@requires("metrics.view_metric")
def list_provider_metrics(
    request, page_id: str, metrics_provider_id: ProviderId, paging: Query[Paging]
):
    provider = _get_provider(metrics_provider_id)
    return [_metric(m) for m in paging.of(_metrics().filter(provider=provider).order_by("pk"))]


def _apply(metric: Metric, fields: MetricFields) -> list | None:
    """Sets the given fields on `metric`; returns its components when they were given."""
    given = fields.model_dump(exclude_unset=True)
    names = {"metric_identifier": "query"}
    for field, value in given.items():
        if field == "component_ids":
            continue
        if value is None and field not in ("y_axis_min", "y_axis_max"):
            continue
        setattr(metric, names.get(field, field), value)
    if "component_ids" in given:
        return components_named(given["component_ids"])
    return None


@router.post(
    "{page_id}/metrics_providers/{metrics_provider_id}/metrics",
    response={201: MetricShape, **ERRORS},
    exclude_unset=True,
)
@requires("metrics.add_metric")
def create_metric(request, page_id: str, metrics_provider_id: ProviderId, body: MetricRequest):
    metric = Metric(provider=_get_provider(metrics_provider_id))
    components = _apply(metric, body.metric)
    with refusals_named(CLIENT_NAMES):
        services.metric_save(metric, components=components, actor=request.user)
    return Status(201, _fresh(metric))


# Metrics


@router.get("{page_id}/metrics", response={200: list[MetricShape], **ERRORS}, exclude_unset=True)
@requires("metrics.view_metric")
def list_metrics(request, page_id: str, paging: Query[Paging]):
    return [_metric(m) for m in paging.of(_metrics().order_by("pk"))]


# Before `metrics/{metric_id}`, which would otherwise take "data" for an id (and so the
# methods of `metrics/{metric_id}` answer 405 for the id "data": only POST goes there).
@router.post("{page_id}/metrics/data", response={201: dict[str, list[PointShape]], **ERRORS})
@requires("metrics.add_metricpoint")
def add_points(request, page_id: str, body: PointsRequest):
    """Points of several metrics at once, by metric id: all stored, or (422) none."""
    found = Metric.objects.in_bulk(list(body.data), field_name="public_id")
    unknown = [metric_id for metric_id in body.data if metric_id not in found]
    if unknown:
        raise ValidationError({"data": f"No metric has the id {', '.join(unknown)}."})
    stored = services.metric_data_add(
        {
            found[metric_id]: [p.model_dump() for p in points]
            for metric_id, points in body.data.items()
        }
    )
    return Status(
        201,
        {metric.public_id: [asdict(p) for p in points] for metric, points in stored.items()},
    )


@router.get(
    "{page_id}/metrics/{metric_id}", response={200: MetricShape, **ID_ERRORS}, exclude_unset=True
)
@requires("metrics.view_metric")
def get_metric(request, page_id: str, metric_id: MetricId):
    return _metric(_get_metric(metric_id))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/metrics/{metric_id}",
    response={200: MetricShape, **ID_ERRORS},
    exclude_unset=True,
)
@requires("metrics.change_metric")
def update_metric(request, page_id: str, metric_id: MetricId, body: MetricRequest):
    metric = _get_metric(metric_id)
    components = _apply(metric, body.metric)
    with refusals_named(CLIENT_NAMES):
        services.metric_save(metric, components=components, actor=request.user)
    return _fresh(metric)


@router.delete(
    "{page_id}/metrics/{metric_id}", response={200: MetricShape, **ID_ERRORS}, exclude_unset=True
)
@requires("metrics.delete_metric")
def delete_metric(request, page_id: str, metric_id: MetricId):
    """Answers the deleted metric; its data is deleted with it."""
    metric = _get_metric(metric_id)
    shape = _metric(metric)
    services.metric_delete(metric, actor=request.user)
    return shape


@router.post("{page_id}/metrics/{metric_id}/data", response={201: PointAnswer, **ERRORS})
@requires("metrics.add_metricpoint")
def add_point(request, page_id: str, metric_id: MetricId, body: PointRequest):
    """One point; a timestamp posted again replaces its value."""
    metric = _get_metric(metric_id)
    stored = services.metric_data_add({metric: [body.data.model_dump()]})
    return Status(201, {"data": asdict(stored[metric][0])})


@router.delete(
    "{page_id}/metrics/{metric_id}/data", response={200: MetricShape, **ERRORS}, exclude_unset=True
)
@requires("metrics.delete_metricpoint")
def delete_points(request, page_id: str, metric_id: MetricId):
    """Deletes every point of the metric; answers the metric."""
    metric = services.metric_data_delete(_get_metric(metric_id), actor=request.user)
    return _fresh(metric)
