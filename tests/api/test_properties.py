"""Property-based: any request to any management-API operation, valid or not, on the real page
and real ids, gets an answer below 500, in JSON; and a refused request (4xx) changes nothing.

Schemathesis draws requests from /api/openapi.json (bodies, query strings, headers); the page
id is the real one and each id in the path is, most of the time, one that exists, so that the
requests reach the services instead of stopping at "no such page" or "no such id".
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from incidents import services
from incidents.api.services import api_key_create
from incidents.metrics import services as metrics
from incidents.metrics.models import Metric, MetricProvider, ProviderType
from incidents.models import ComponentStatus, Incident
from incidents.notifications.models import Subscriber, SubscriberState
from statuspage.wsgi import application
from tests.fingerprint import database_fingerprint

from .test_openapi import RUN as OPENAPI_RUN
from .test_openapi import keep_test_connection  # noqa: F401  (a fixture)

SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/v1/"
)
RUN = settings(OPENAPI_RUN, max_examples=300)


@pytest.fixture
def world(db, manager_user, pods, settings, keep_test_connection):  # noqa: F811
    settings.API_RATE = "1000000/m"
    incident = services.incident_create(
        name="Pod 13 slow",
        body="Looking.",
        components={pods["Pod 13"]: ComponentStatus.PARTIAL_OUTAGE},
        deliver_notifications=False,
    )
    subscriber = Subscriber.objects.create(email="ana@example.com", state=SubscriberState.ACTIVE)
    provider = metrics.provider_save(MetricProvider(type=ProviderType.SELF))
    metric = metrics.metric_save(Metric(provider=provider, name="API latency"))
    ids = {
        "page_id": [django_settings.STATUSPAGE_PAGE_ID],
        "component_id": [c.public_id for c in pods.values()],
        "group_id": [pods["Pod 13"].group.public_id],
        "incident_id": [incident.public_id],
        "incident_update_id": [incident.updates.get().public_id],
        "subscriber_id": [subscriber.public_id],
        "metrics_provider_id": [provider.public_id],
        "metric_id": [metric.public_id],
    }
    return api_key_create(manager_user)[1], ids


def _real_ids(case, data, ids) -> None:
    for name in list(case.path_parameters or {}):
        if name == "page_id":
            case.path_parameters[name] = ids[name][0]
        elif name in ids and data.draw(st.booleans(), label=f"real {name}"):
            # Existing rows may have been deleted by an earlier request: the live ones.
            case.path_parameters[name] = data.draw(st.sampled_from(ids[name]), label=name)


def _check(strategy, world):
    key, ids = world

    @RUN
    @given(case=strategy, data=st.data())
    def check(case, data):
        _real_ids(case, data, ids)
        before = database_fingerprint()
        response = case.call(headers={"Authorization": f"OAuth {key}"})
        where = f"{case.method} {case.formatted_path} {case.body!r:.300}"
        assert response.status_code < 500, f"{where} -> {response.status_code} {response.text}"
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), (
            f"{where} -> {response.status_code} {dict(response.headers)}"
        )
        if 400 <= response.status_code < 500:
            assert database_fingerprint() == before, f"{where} was refused but changed data"
        ids["incident_id"] = list(Incident.objects.values_list("public_id", flat=True)) or [""]

    check()


def test_no_valid_request_reaches_a_server_error(world):
    _check(SCHEMA.as_strategy(GenerationMode.POSITIVE), world)


def test_no_invalid_request_reaches_a_server_error_or_changes_anything(world):
    _check(SCHEMA.as_strategy(GenerationMode.NEGATIVE), world)
