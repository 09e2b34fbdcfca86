"""Property-based: whatever a client sends to the integrations API or a monitoring system
sends to its hook, the answer is JSON and below 500, and a refusal changes nothing (but the
refusal recorded on the integration, for staff)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from incidents.api.services import api_key_create
from incidents.monitoring import services
from statuspage.wsgi import application
from tests.api.test_openapi import RUN as OPENAPI_RUN
from tests.api.test_openapi import keep_test_connection  # noqa: F401  (a fixture)
from tests.fingerprint import database_fingerprint

from .conftest import am_alert, am_payload

SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="/integrations"
)
RUN = settings(OPENAPI_RUN, max_examples=100)
pytestmark = pytest.mark.slow


@pytest.fixture
def api_world(db, manager_user, world, settings, keep_test_connection):  # noqa: F811
    settings.API_RATE = "1000000/m"
    integration, _url = services.integration_create(name="Prom", kind="alertmanager")
    return api_key_create(manager_user)[1], integration.public_id


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_integrations_api_never_fails_and_a_refusal_changes_nothing(api_world, mode):
    key, integration_id = api_world

    @RUN
    @given(case=SCHEMA.as_strategy(mode), real=st.booleans())
    def check(case, real):
        parameters = case.path_parameters or {}
        if "page_id" in parameters:
            parameters["page_id"] = django_settings.STATUSPAGE_PAGE_ID
        if "integration_id" in parameters and real:
            parameters["integration_id"] = integration_id
        before = database_fingerprint()
        response = case.call(headers={"Authorization": f"OAuth {key}"})
        where = f"{case.method} {case.formatted_path} {case.body!r:.300}"
        assert response.status_code < 500, f"{where} -> {response.status_code} {response.text}"
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), where
        if 400 <= response.status_code < 500:
            assert database_fingerprint() == before, f"{where} was refused but changed data"

    check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = ["status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"]


def _content():
    found = database_fingerprint()
    found.pop("monitoring.integration")  # the refusal is recorded there, for staff
    return found


@pytest.fixture
def hooked(make_integration, world, settings):
    settings.HOOK_RATE = "1000000/m"
    return {
        kind: make_integration(kind, flap_interval_s=0)[1]
        for kind in ("alertmanager", "grafana", "generic")
    }


def test_whatever_a_hook_receives_it_answers_json_below_500(hooked):
    client = Client()

    @settings(OPENAPI_RUN, max_examples=200)
    @given(
        kind=st.sampled_from(sorted(hooked)),
        body=st.one_of(
            JSON,
            # An Alertmanager payload with one field of its alert replaced by anything.
            st.tuples(st.sampled_from(FIELDS), JSON).map(
                lambda change: am_payload({**am_alert(), change[0]: change[1]})
            ),
            st.fixed_dictionaries(
                {
                    "component": st.sampled_from(["Billing", "Pod 13", "nope", ""]) | JSON,
                    "status": st.sampled_from(["major_outage", "resolved", "x"]) | JSON,
                },
                optional={"summary": JSON},
            ),
        ),
    )
    def check(kind, body):
        before = _content()
        response = client.post(hooked[kind], json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (kind, body, response.content)
        assert response["Content-Type"] == "application/json"
        if response.status_code >= 400:
            assert _content() == before, (kind, body, response.content)

    check()
