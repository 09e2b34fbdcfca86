"""/api/openapi.json describes the implementation: property-based runs (schemathesis) over
every operation, public and management, find no server error and no answer outside the
documented statuses and shapes; invalid input gets a documented refusal, never a 500."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incidents.api.services import api_key_create
from incidents.models import Component, ComponentGroup
from statuspage.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
RUN = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly would close the test's database connection after each
    request (as Django does between requests); the test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def key(db, manager_user, settings, keep_test_connection):
    settings.API_RATE = "100000/m"
    group = ComponentGroup.objects.create(name="Pods")
    Component.objects.create(name="Pod 13", group=group)
    return api_key_create(manager_user)[1]


def _run(strategy, key):
    @RUN
    @given(case=strategy)
    def check(case):
        case.call_and_validate(headers={"Authorization": f"OAuth {key}"}, checks=CHECKS)

    check()


def test_valid_requests_match_the_document(key):
    _run(SCHEMA.as_strategy(GenerationMode.POSITIVE), key)


def test_invalid_requests_are_refused_as_documented(key):
    _run(SCHEMA.as_strategy(GenerationMode.NEGATIVE), key)


def test_openapi_document_is_served(client, db):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v2/summary.json" in document["paths"]
    assert "/api/v1/pages/{page_id}/incidents" in document["paths"]
