"""The management API's metrics endpoints as scripts call them: JSON and form-encoded posts,
refusals that change nothing, and who may do what. (Every method of the generated client is
called in tests/api/test_every_client_method.py.)"""

from __future__ import annotations

import json

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from incidents.metrics.models import Metric, MetricPoint, MetricProvider
from tests.fingerprint import database_fingerprint

V1 = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"


@pytest.fixture
def manager_key(manager_key, settings):
    settings.API_RATE = "10000/m"
    return manager_key


@pytest.fixture
def now():
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        yield int(moment.timestamp())


def call(client, method, path, key, body=None, content_type="application/json"):
    headers = {"HTTP_AUTHORIZATION": f"OAuth {key}"} if key else {}
    if isinstance(body, dict):
        body = json.dumps(body)
    return client.generic(method, f"{V1}{path}", body or b"", content_type, **headers)


def test_a_point_is_posted_and_answered(client, manager_key, metric, now):
    response = call(
        client, "POST", f"/metrics/{metric.public_id}/data", manager_key,
        {"data": {"timestamp": now, "value": 12.5}},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json() == {"data": {"timestamp": now, "value": 12.5}}
    assert list(MetricPoint.objects.values_list("at", "value")) == [(now, 12.5)]


def test_a_point_posted_again_replaces_its_value(client, manager_key, metric, now):
    for value in (1.0, 2.0, 2.0):
        call(
            client, "POST", f"/metrics/{metric.public_id}/data", manager_key,
            {"data": {"timestamp": now, "value": value}},
        )  # fmt: skip
    assert list(MetricPoint.objects.values_list("at", "value")) == [(now, 2.0)]


def test_a_form_encoded_point_as_statuspages_docs_send_it(client, manager_key, metric, now):
    response = call(
        client, "POST", f"/metrics/{metric.public_id}/data.json", manager_key,
        f"data[timestamp]={now}&data[value]=3.25", "application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert list(MetricPoint.objects.values_list("value", flat=True)) == [3.25]


def test_points_of_several_metrics_at_once(client, manager_key, make_metric, now):
    latency, errors = make_metric("Latency"), make_metric("Errors")
    body = {"data": {
        latency.public_id: [{"timestamp": now - 60, "value": 1}, {"timestamp": now, "value": 2}],
        errors.public_id: [{"timestamp": now, "value": 0.5}],
    }}  # fmt: skip
    response = call(client, "POST", "/metrics/data", manager_key, body)
    assert response.status_code == 201, response.content
    assert response.json() == {
        latency.public_id: [
            {"timestamp": now - 60, "value": 1.0},
            {"timestamp": now, "value": 2.0},
        ],
        errors.public_id: [{"timestamp": now, "value": 0.5}],
    }
    assert MetricPoint.objects.count() == 3


@pytest.mark.parametrize(
    ("point", "says"),
    [
        ({"timestamp": "NOW", "value": "NaN"}, "finite"),
        ({"timestamp": "NOW", "value": "Infinity"}, "finite"),
        ({"timestamp": "NOW", "value": "fast"}, "not a number"),
        ({"timestamp": "NOW", "value": True}, "value"),
        ({"timestamp": "NOW", "value": None}, "value"),
        ({"timestamp": "OLD", "value": 1}, "28 days"),
        ({"timestamp": "LATER", "value": 1}, "future"),
        ({"timestamp": "NOW"}, "value"),
        ({"timestamp": "NOW", "value": 1, "extra": 1}, "extra"),
    ],
)
def test_a_bad_point_is_refused_with_422_and_changes_nothing(
    client, manager_key, metric, now, point, says
):
    moments = {"NOW": now, "OLD": now - 29 * 86400, "LATER": now + 3600}
    point = {k: moments.get(v, v) if k == "timestamp" else v for k, v in point.items()}
    text = json.dumps({"data": point}).replace('"NaN"', "NaN").replace('"Infinity"', "Infinity")
    before = database_fingerprint()
    response = call(client, "POST", f"/metrics/{metric.public_id}/data", manager_key, text.encode())
    assert response.status_code == 422, response.content
    assert says in response.json()["error"]
    assert database_fingerprint() == before


def test_one_bad_point_in_a_bulk_post_refuses_all(client, manager_key, make_metric, now):
    latency, errors = make_metric("Latency"), make_metric("Errors")
    body = {"data": {
        latency.public_id: [{"timestamp": now, "value": 1}],
        errors.public_id: [{"timestamp": now, "value": 1}, {"timestamp": now + 9999, "value": 1}],
    }}  # fmt: skip
    response = call(client, "POST", "/metrics/data", manager_key, body)
    assert response.status_code == 422
    assert "Point 1 of metric" in response.json()["error"]
    assert not MetricPoint.objects.exists()


def test_a_bulk_post_naming_an_unknown_metric_is_refused(client, manager_key, metric, now):
    body = {"data": {metric.public_id: [{"timestamp": now, "value": 1}],
                     "nosuchmetric": [{"timestamp": now, "value": 1}]}}  # fmt: skip
    response = call(client, "POST", "/metrics/data", manager_key, body)
    assert response.status_code == 422 and "nosuchmetric" in response.json()["error"]
    assert not MetricPoint.objects.exists()


def test_an_unknown_metric_is_404(client, manager_key, db, now):
    response = call(
        client, "POST", "/metrics/nosuchmetric/data", manager_key,
        {"data": {"timestamp": now, "value": 1}},
    )  # fmt: skip
    assert response.status_code == 404 and "error" in response.json()
    assert call(client, "GET", "/metrics/nosuchmetric", manager_key).status_code == 404


def test_a_metric_is_set_up_with_its_chart_and_components(client, manager_key, pushed, pods):
    pod = pods["Pod 13"]
    response = call(
        client, "POST", f"/metrics_providers/{pushed.public_id}/metrics", manager_key,
        {"metric": {"name": "Pod 13 latency", "suffix": "ms", "decimal_places": 1,
                    "y_axis_min": 0, "y_axis_max": 500, "display": True,
                    "transform": "max", "component_ids": [pod.public_id]}},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["y_axis_max"], made["transform"], made["component_ids"]) == (
        500.0, "max", [pod.public_id],
    )  # fmt: skip
    metric = Metric.objects.get(public_id=made["id"])
    assert list(metric.components.all()) == [pod]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"suffix": "ms"}, "name"),
        ({"name": "X", "decimal_places": 9}, "decimal"),
        ({"name": "X", "y_axis_min": 10, "y_axis_max": 5}, "y-axis"),
        ({"name": "X", "transform": "median"}, "transform"),
        ({"name": "X", "component_ids": ["nosuchcomp"]}, "component"),
        ({"name": "X", "display": "yes"}, "display"),
    ],
)
def test_a_bad_metric_is_refused_with_422(client, manager_key, pushed, fields, says):
    before = database_fingerprint()
    response = call(
        client, "POST", f"/metrics_providers/{pushed.public_id}/metrics", manager_key,
        {"metric": fields},
    )  # fmt: skip
    assert response.status_code == 422, response.content
    assert says in response.json()["error"].lower()
    assert database_fingerprint() == before


def test_a_prometheus_metric_needs_its_query(client, manager_key, db):
    made = call(
        client, "POST", "/metrics_providers", manager_key,
        {"metrics_provider": {"type": "Prometheus", "metric_base_uri": "http://prom:9090"}},
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["metric_base_uri"] == "http://prom:9090"
    path = f"/metrics_providers/{made.json()['id']}/metrics"
    refused = call(client, "POST", path, manager_key, {"metric": {"name": "Errors"}})
    assert refused.status_code == 422 and "PromQL" in refused.json()["error"]
    query = 'sum(rate(http_requests_total{code=~"5.."}[5m]))'
    created = call(
        client,
        "POST",
        path,
        manager_key,
        {"metric": {"name": "Errors", "metric_identifier": query}},
    )
    assert created.status_code == 201 and created.json()["metric_identifier"] == query


def test_a_prometheus_provider_without_an_address_uses_the_setting(
    client, manager_key, db, settings
):
    settings.PROMETHEUS_URL = "http://prometheus.internal:9090"
    made = call(client, "POST", "/metrics_providers", manager_key,
                {"metrics_provider": {"type": "Prometheus"}})  # fmt: skip
    assert made.json()["metric_base_uri"] == "http://prometheus.internal:9090"
    assert MetricProvider.objects.get().base_url == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "Datadog"},
        {"type": "Self", "api_key": "secret"},
        {"type": "Prometheus", "metric_base_uri": "ftp://prom"},
    ],
)
def test_a_provider_we_cannot_use_is_refused(client, manager_key, db, fields):
    response = call(client, "POST", "/metrics_providers", manager_key, {"metrics_provider": fields})
    assert response.status_code == 422, response.content
    assert not MetricProvider.objects.exists()


def test_deleting_a_provider_deletes_its_metrics_and_data(client, manager_key, metric, now):
    call(client, "POST", f"/metrics/{metric.public_id}/data", manager_key,
         {"data": {"timestamp": now, "value": 1}})  # fmt: skip
    response = call(
        client, "DELETE", f"/metrics_providers/{metric.provider.public_id}", manager_key
    )
    assert response.status_code == 200 and response.json()["id"] == metric.provider.public_id
    assert not Metric.objects.exists() and not MetricPoint.objects.exists()


# Who may


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/metrics", None),
        ("POST", "/metrics/{metric}/data", {"data": {"timestamp": "NOW", "value": 1}}),
        ("POST", "/metrics/data", {"data": {"{metric}": [{"timestamp": "NOW", "value": 1}]}}),
        ("DELETE", "/metrics/{metric}/data", None),
        ("PATCH", "/metrics/{metric}", {"metric": {"name": "Renamed"}}),
        ("DELETE", "/metrics/{metric}", None),
        ("POST", "/metrics_providers", {"metrics_provider": {"type": "Self"}}),
    ],
)
def test_only_managers_change_metrics_and_nobody_without_a_key(
    client, manager_key, support_key, metric, now, method, path, body
):
    text = json.dumps(body).replace("{metric}", metric.public_id).replace('"NOW"', str(now))
    path = path.format(metric=metric.public_id)
    before = database_fingerprint()
    anonymous = call(client, method, path, None, text.encode() if body else None)
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    support = call(client, method, path, support_key, text.encode() if body else None)
    assert database_fingerprint() == before
    if method == "GET":
        assert support.status_code == 200
    else:
        assert support.status_code == 403 and "error" in support.json()
        manager = call(client, method, path, manager_key, text.encode() if body else None)
        assert manager.status_code in (200, 201), manager.content


def test_another_page_is_not_found(client, manager_key, metric):
    response = client.get(
        f"/api/v1/pages/otherpage/metrics/{metric.public_id}",
        HTTP_AUTHORIZATION=f"OAuth {manager_key}",
    )
    assert response.status_code == 404 and "error" in response.json()
