from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.testcases import LiveServerThread
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from incidents import cache as page_cache
from incidents import services
from incidents.api.services import api_key_create
from incidents.models import Component, ComponentGroup, ComponentStatus, Page
from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF
from statuspage.celery import app

# The admin's translation inline, empty: its management form, as a browser posts it.
TRANSLATIONS_PREFIX = "incidents-translation-content_type-object_id"
NO_TRANSLATIONS = {
    f"{TRANSLATIONS_PREFIX}-TOTAL_FORMS": "0",
    f"{TRANSLATIONS_PREFIX}-INITIAL_FORMS": "0",
    f"{TRANSLATIONS_PREFIX}-MIN_NUM_FORMS": "0",
    f"{TRANSLATIONS_PREFIX}-MAX_NUM_FORMS": "1000",
}


class _SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time (Django closes each connection).

    A browser also opens connections it does not use at once (preconnects): answering one
    request at a time, the server would wait on such a socket while the browser waits for an
    answer on another, until the page load times out. A connection that sends nothing for a
    second is dropped instead (the browser opens another when it needs one).
    """

    IDLE_SECONDS = 1.0

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)

    def get_request(self):
        connection, address = super().get_request()
        connection.settimeout(self.IDLE_SECONDS)
        return connection, address

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], TimeoutError):
            super().handle_error(request, client_address)


if django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The live server shares the test's in-memory SQLite connection; a browser's parallel
    # requests (a page, its jsi18n, a preview) on one connection fail at random
    # ("bad parameter or other API misuse"). PostgreSQL keeps the threaded server.
    LiveServerThread.server_class = _SerialWSGIServer


def incident_change_data(client, incident, *, started_at: datetime | None = None, **changes):
    """The admin's incident change form as a browser posts it back: what it shows, with
    `changes` (and the impact start, `started_at`, split into its date and time fields)."""
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    started_at = started_at or incident.started_at
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "started_at_0": started_at.strftime("%Y-%m-%d"),
        "started_at_1": started_at.strftime("%H:%M:%S"),
        "updates-TOTAL_FORMS": "1", "updates-INITIAL_FORMS": "1",
        "updates-MIN_NUM_FORMS": "0", "updates-MAX_NUM_FORMS": "1000",
        "updates-0-id": incident.updates.get().pk, "updates-0-incident": incident.pk,
        **NO_TRANSLATIONS,
        **changes,
    }  # fmt: skip
    data.pop("summary", None)
    return url, data


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def render_queries(client, path: str, data=None) -> tuple[int, HttpResponse]:
    """The number of queries one render of the public page `path` takes (a cache miss,
    asserted), and its answer. The page's settings are read once per few minutes, not by
    each render: read them first, as a running site has."""
    Page.current()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, data)
    assert response.status_code == 200 and response["X-Cache"] == "MISS", response
    return len(queries), response


def pytest_configure(config):
    """The catalogs compiled, as `make install` does, so that a bare `pytest` reads them too."""
    from incidents.management.commands.compiletranslations import compile_catalogs

    compile_catalogs()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English. A request the test client makes runs in this thread and
    leaves its page's language active (LocaleMiddleware activates it, nothing deactivates it
    after the answer), so a test after one to /it/ would otherwise meet Italian messages."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (a shared Redis in CI), known to be working."""
    cache.clear()
    page_cache.health.reset()


@pytest.fixture
def eager():
    """Tasks run in the calling thread (on commit, with captured callbacks)."""
    # The app reads Django settings with the CELERY_ namespace, whose keys win.
    previous = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    try:
        yield
    finally:
        app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture
def committed_events(monkeypatch):
    """Every domain event whose write committed, in order (a listener, as the caches are)."""
    from incidents import events

    seen: list = []
    monkeypatch.setattr(events, "_listeners", [*events._listeners, (seen.append, False)])
    return seen


@pytest.fixture
def worker(transactional_db):
    """A Celery worker in a thread of the test process, on the configured broker (the embedded
    one, Redis in CI), running the tasks the test queues. The fault suite starts its own, as a
    process to kill (tests/faults/conftest.py `worker_process`). It starts with Django's system
    checks, which open the test database."""
    # Tasks queued by earlier tests (with no worker running) would run now, against their
    # long-gone data and beside this test's writes: start from an empty queue.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture
def pods(db) -> dict[str, Component]:
    group = services.group_save(ComponentGroup(name="Pods", position=0))
    return {
        name: services.component_save(Component(group=group, name=name, position=index))
        for index, name in enumerate(["Pod 13", "Pod 14", "Pod 17"])
    }


@pytest.fixture
def billing(db) -> Component:
    group = services.group_save(ComponentGroup(name="Products", position=1))
    return services.component_save(Component(group=group, name="Billing"))


@pytest.fixture
def make_incident(pods):
    def make(name="Slow logins", components=None, **kwargs):
        kwargs.setdefault("body", "We are investigating.")
        if components is None:
            components = {pods["Pod 13"]: ComponentStatus.PARTIAL_OUTAGE}
        return services.incident_create(name=name, components=components, **kwargs)

    return make


def _staff(username: str, role: str | None):
    user = get_user_model().objects.create_user(
        username=username, password="pw", is_staff=role is not None
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def support_user(db):
    return _staff("support", SUPPORT_STAFF)


@pytest.fixture
def manager_user(db):
    return _staff("manager", INCIDENT_MANAGERS)


@pytest.fixture
def manager_key(manager_user):
    """An API key of an incident manager."""
    return api_key_create(manager_user)[1]


@pytest.fixture
def support_key(support_user):
    """An API key of a member of the support staff."""
    return api_key_create(support_user)[1]


@pytest.fixture
def support_client(support_user):
    """Its own client, so that a test can use it beside `client` or `manager_client`."""
    client = Client()
    client.force_login(support_user)
    return client


@pytest.fixture
def manager_client(manager_user):
    client = Client()
    client.force_login(manager_user)
    return client
