"""What a shared cache in front of the site (Varnish, a CDN) sees: one copy per address and
encoding, how long to keep it, what it shows (surrogate keys), and a purge after each change."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from incidents import services
from incidents.models import Component, ComponentGroup, IncidentTemplate
from incidents.pods.services import account_upsert
from statuspage.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(pods, make_incident):
    incident = make_incident(
        name="Slow search", components={pods["Pod 14"]: "degraded_performance"}
    )
    account_upsert("acme", pods["Pod 14"])
    return incident


def _public_addresses(incident):
    return [
        "/",
        "/it/",
        f"/incidents/{incident.public_id}/",
        f"/it/incidents/{incident.public_id}/",
        "/history/",
        "/history.atom",
        "/maintenance.ics",
        "/pods/pod-14/",
        "/api/v2/summary.json",
        "/api/v2/incidents/unresolved.json",
    ]


def test_every_public_answer_is_one_copy_per_address_with_its_keys(
    site, pods, client, manager_client
):
    for address in _public_addresses(site):
        # An anonymous reader and a logged-in manager (a session cookie) get the same HTTP.
        for reader in (client, manager_client):
            response = reader.get(address)
            assert response.status_code == 200, address
            assert response["Vary"] == "Accept-Encoding", address
            control = {part.strip() for part in response["Cache-Control"].split(",")}
            # A browser asks again for / each time: a language chosen meanwhile applies.
            browser = "max-age=0" if address == "/" else "max-age=5"
            assert {"public", browser, "s-maxage=300"} <= control, address
            assert "stale-while-revalidate=30" in control and "stale-if-error=86400" in control
            assert not response.cookies, address
            keys = response["xkey"].split()
            assert response["Surrogate-Key"] == response["xkey"]
            assert "statuspage" in keys, address
            language = "it" if address.startswith("/it/") else "en"
            assert f"lang-{language}" in keys, address


def test_the_keys_name_what_the_page_shows(site, client):
    incident_page = client.get(f"/incidents/{site.public_id}/")["xkey"].split()
    assert {f"incident-{site.public_id}", "components"} <= set(incident_page)
    assert "lists" not in incident_page  # another incident's news does not purge it
    assert {"lists", "components"} <= set(client.get("/")["xkey"].split())
    assert "lists" in client.get("/history/")["xkey"].split()


def test_the_public_api_allows_every_origin_on_every_answer(site, client):
    for headers in ({}, {"HTTP_ORIGIN": "https://shop.example.com"}):
        for address in ("/api/v2/status.json", "/api/v2/incidents/nope.json"):
            response = client.get(address, **headers)
            assert response["Access-Control-Allow-Origin"] == "*", address
            assert "origin" not in response.get("Vary", "").lower(), address


def test_staff_pages_and_the_management_api_carry_no_public_headers(site, manager_client):
    admin = manager_client.get("/admin/")
    assert "xkey" not in admin and "public" not in admin.get("Cache-Control", "")
    api = manager_client.get(f"/api/v1/pages/{'x'}/incidents")
    assert "xkey" not in api


class _PurgeSink:
    """A shared cache's purge endpoint: records every PURGE it is sent."""

    def __init__(self):
        self.purges: list[tuple[str, str]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_PURGE(self):
                sink.purges.append((self.path, self.headers.get("xkey-purge", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> list[set[str]]:
        return [set(keys.split()) for _path, keys in self.purges]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def purge_sink(settings):
    sink = _PurgeSink()
    settings.CACHE_PURGE_URLS = [sink.url]
    yield sink
    sink.close()


def test_publishing_purges_the_keys_it_touched_from_every_cache(
    site, pods, purge_sink, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(site, status="identified", body="Found the slow query.")
    assert purge_sink.keys() == [{f"incident-{site.public_id}", "lists"}]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(
            site, status="monitoring", body="Fixed.", components={pods["Pod 14"]: "operational"}
        )
    assert purge_sink.keys()[-1] == {f"incident-{site.public_id}", "lists", "components"}
    with django_capture_on_commit_callbacks(execute=True):
        services.component_set_status(pods["Pod 13"], "partial_outage")
    assert purge_sink.keys()[-1] == {"components", "lists"}


def test_a_staff_only_change_purges_nothing(
    site, purge_sink, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_template_save(
            IncidentTemplate(name="Slow", title="Slowness", body="We are looking into it.")
        )
    assert purge_sink.purges == []


def test_a_purge_never_runs_in_the_publishing_request(
    site, purge_sink, django_capture_on_commit_callbacks
):
    """Without the worker running, the publish is answered and the purge waits in the queue;
    the worker delivers it."""
    app.control.purge()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(site, status="identified", body="Found it.")
    assert purge_sink.purges == []


def test_a_cache_that_is_down_never_fails_a_publish(
    site, settings, eager, caplog, django_capture_on_commit_callbacks
):
    settings.CACHE_PURGE_URLS = ["http://127.0.0.1:9/"]  # the discard port: refused
    with django_capture_on_commit_callbacks(execute=True):
        update = services.update_post(site, status="identified", body="Found it.")
    assert update.pk and "purging" in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_HOST": "evil.example"},
        {"HTTP_X_FORWARDED_HOST": "evil.example"},
        {"HTTP_ACCEPT_LANGUAGE": "*;q=0"},
        {"HTTP_COOKIE": "junk=" + "x" * 4096},
        {"HTTP_ACCEPT_LANGUAGE": "it", "HTTP_COOKIE": "django_language=de"},
    ],
)
def test_odd_headers_never_make_a_copy_other_readers_get(site, headers):
    reader = Client()
    normal = reader.get("/", HTTP_ACCEPT_ENCODING="gzip").content
    Client().get("/", **headers)
    again = reader.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert again.content == normal and again["X-Cache"] == "HIT"


def test_group_and_component_names_reach_pages_after_a_purge_of_components(
    pods, purge_sink, eager, django_capture_on_commit_callbacks
):
    group = ComponentGroup.objects.get(name="Pods")
    with django_capture_on_commit_callbacks(execute=True):
        services.group_save(group)
        services.component_save(Component.objects.get(name="Pod 13"))
    assert purge_sink.keys() == [{"components", "lists"}, {"components", "lists"}]
