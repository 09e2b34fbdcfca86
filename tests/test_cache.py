"""Public pages from the cache: fresh after every change, one render under a herd, the last
good copy while the database is down, uncached (never a 500) while the cache is down."""

import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from incidents import selectors, services
from incidents.models import Component


def test_second_request_is_a_hit_without_queries(client, pods, django_assert_num_queries):
    assert client.get("/")["X-Cache"] == "MISS"
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response["X-Cache"] == "HIT"
    assert "All Systems Operational" in response.text
    assert "public" in response["Cache-Control"] and "s-maxage=300" in response["Cache-Control"]


def test_a_new_update_shows_on_the_very_next_request(client, make_incident, pods):
    incident = make_incident(name="Pod 13 errors")
    assert "Investigating" in client.get(incident.get_absolute_url()).text
    assert client.get(incident.get_absolute_url())["X-Cache"] == "HIT"
    services.update_post(incident, status="identified", body="Found a bad node.")
    fresh = client.get(incident.get_absolute_url())
    assert fresh["X-Cache"] == "MISS"
    assert "Found a bad node." in fresh.text
    api = client.get("/api/v2/incidents/unresolved.json").json()
    assert api["incidents"][0]["status"] == "identified"


def test_conditional_get_on_cached_pages(client, pods):
    etag = client.get("/")["ETag"]
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_cached_html_is_the_same_for_every_visitor(client, support_client, manager_client, pods):
    anonymous = Client().get("/")
    assert anonymous["X-Cache"] == "MISS"  # rendered for an anonymous visitor
    others = [support_client.get("/"), manager_client.get("/"), Client().get("/")]
    assert [o.content for o in others] == [anonymous.content] * 3
    assert b"csrfmiddlewaretoken" not in anonymous.content


@pytest.mark.django_db(transaction=True)
def test_a_herd_on_a_cold_page_causes_one_render(pods, monkeypatch, live_server):
    renders = []
    real = selectors.status_page

    def slow_render():
        renders.append(threading.get_ident())
        time.sleep(0.3)  # a slow render keeps the herd waiting on it
        return real()

    monkeypatch.setattr(selectors, "status_page", slow_render)

    def fetch(_):
        try:
            response = Client().get("/")
            return response.status_code, response["X-Cache"]
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(fetch, range(32)))
    assert all(status == 200 for status, _ in results)
    assert len(renders) == 1, f"{len(renders)} renders for one page version"
    assert sorted({state for _, state in results}) == ["HIT", "MISS"]


def test_previous_version_served_while_a_new_one_renders(client, pods, monkeypatch):
    client.get("/")
    services.component_set_status(pods["Pod 14"], "major_outage")
    from django.core.cache import cache

    from incidents.cache import content_version

    # Another request holds the lock for the new version.
    cache.add(f"lock:public:{content_version()}:en:/", 1, 10)
    response = client.get("/")
    assert response["X-Cache"] == "STALE"
    assert "All Systems Operational" in response.text


def test_database_down_serves_the_last_good_copy_then_recovers(client, pods, monkeypatch):
    assert "Pod 14" in client.get("/").text
    services.component_set_status(pods["Pod 14"], "major_outage")  # a new version to render

    def database_down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "status_page", database_down)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 200
    assert response["X-Status-Stale"] == "1"
    assert "All Systems Operational" in response.text
    monkeypatch.undo()
    recovered = client.get("/")
    assert "X-Status-Stale" not in recovered
    assert "Major Service Outage" in recovered.text


def test_cache_down_renders_uncached_and_logs(client, pods, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.get("/")
    assert response.status_code == 200
    assert response["X-Cache"] == "BYPASS"
    assert "All Systems Operational" in response.text
    assert "cache unavailable" in caplog.text
    services.component_set_status(pods["Pod 14"], "major_outage")  # no 500 on invalidation
    assert "Major Service Outage" in client.get("/").text


def test_an_unreachable_cache_costs_one_timeout_then_pages_render_without_it(
    client, pods, settings, caplog
):
    # A server that takes connections and never answers, as a cache behind a dead link does.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        settings.CACHES = {
            "default": {
                "BACKEND": "statuspage.cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
            }
        }
        held = []  # the connections the server took, kept open: it never answers them
        first = client.get("/")
        assert first.status_code == 200 and first["X-Cache"] == "BYPASS"
        assert _take_connections(silent, held) == 1  # one attempt, so one timeout
        for _ in range(3):
            assert client.get("/")["X-Cache"] == "BYPASS"
        assert _take_connections(silent, held) == 0  # no more timeouts: the cache is left alone
        for connection in held:
            connection.close()
    assert "cache unavailable" in caplog.text


def _take_connections(server: socket.socket, held: list[socket.socket]) -> int:
    """How many connections reached `server` since the last call (each one a timeout)."""
    server.setblocking(False)
    taken = 0
    while True:
        try:
            connection, _address = server.accept()
        except BlockingIOError:
            return taken
        held.append(connection)
        taken += 1


def test_a_change_published_while_the_cache_was_down_shows_once_it_is_back(
    client, pods, monkeypatch
):
    from django.core.cache import cache

    from incidents import cache as page_cache

    assert "All Systems Operational" in client.get("/").text  # cached
    monkeypatch.setattr(page_cache, "RETRY_SECONDS", 0)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    with monkeypatch.context() as outage:
        outage.setattr(cache, "set", down)
        services.component_set_status(pods["Pod 14"], "major_outage")  # the version stays
    back = client.get("/")
    assert back["X-Cache"] == "MISS"
    assert "Major Service Outage" in back.text


def test_admin_pages_are_never_cached(support_client, pods):
    """Staff see the database as it is on every request, even after a change no publishing
    service announced (which a versioned cache would miss), and browsers keep no copy."""
    url = reverse("admin:incidents_component_changelist")
    before = support_client.get(url)
    Component.objects.filter(pk=pods["Pod 14"].pk).update(status="major_outage")
    after = support_client.get(url)
    assert (_admin_status(before, "Pod 14"), _admin_status(after, "Pod 14")) == (
        "Operational", "Major outage",
    )  # fmt: skip
    for response in (before, after):
        assert "X-Cache" not in response
        assert {"no-store", "private"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def _admin_status(changelist, name: str) -> str:
    row = rf'>{re.escape(name)}</a></th>.*?<td class="field-status">([^<]*)</td>'
    found = re.search(row, changelist.text)
    assert found, f"{name} is not in the list"
    return found.group(1)


def test_a_post_to_a_cached_page_is_answered_by_its_view_not_the_cache(client, pods):
    client.get("/")
    assert client.get("/")["X-Cache"] == "HIT"  # the page is in the cache
    posted = client.post("/")
    # The view's own refusal (it answers GET and HEAD), not the cached page.
    assert posted.status_code == 405 and posted["Allow"] == "GET, HEAD"
    assert "X-Cache" not in posted


def test_a_long_query_string_is_cached_under_a_short_key(client, pods, recwarn):
    # A parameter the page reads, so part of the key; the page uses its last value.
    pod = pods["Pod 14"].public_id
    path = f"/history/?component={'y' * 400}&component={pod}"
    assert client.get(path)["X-Cache"] == "MISS"
    assert client.get(path)["X-Cache"] == "HIT"
    assert not [w for w in recwarn if "Cache key" in str(w.message)]


def test_cached_pages_travel_compressed_to_clients_that_accept_it(client, pods):
    import gzip

    plain = client.get("/")
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3
    assert packed["ETag"] != plain["ETag"]
    etag = packed["ETag"]
    again = client.get("/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
