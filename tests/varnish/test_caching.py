"""Readers through the shipped Varnish: a crowd costs the origin one render per page and
content version, a published change shows on the next request after its purge (not after the
five-minute TTL), a herd on a cold page is one origin render, the last pages stay served while
the origin is down, and only the origin's hosts may purge."""

from __future__ import annotations

import http.client
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ..processes import VARNISH_VCL, VARNISHD, missing, poll, varnish_lacking
from .conftest import Edge, tally

PURGE_SHOWS_WITHIN = 15  # seconds; the answers' s-maxage is 300


def _open_incident(edge: Edge, name: str) -> str:
    site = edge.origin.site
    billing = site.components()["Billing"]
    answer = site.api(
        "POST",
        "incidents",
        {
            "incident": {
                "name": name,
                "status": "investigating",
                "body": f"{name}: we are looking into it.",
                "components": {billing: "degraded_performance"},
                "deliver_notifications": False,
            }
        },
    )
    assert answer.status == 201, answer
    return answer.json()["id"]


def _demo_incident(edge: Edge) -> str:
    answer = edge.origin.site.api("GET", "incidents?q=Admins+shown")
    assert answer.status == 200, answer
    return answer.json()[0]["id"]


def test_the_shipped_vcl_compiles():
    lacking = varnish_lacking()
    if lacking:
        missing(lacking)
    compiled = subprocess.run(
        [VARNISHD, "-j", "none", "-C", "-f", str(VARNISH_VCL)], capture_output=True
    )
    assert compiled.returncode == 0, compiled.stderr.decode()[-3000:]


def test_a_thousand_readers_of_a_page_cost_the_origin_one_render(edge):
    since = edge.origin.mark()
    for path in ("/", "/api/v2/summary.json"):
        answers = edge.readers(path, 1000)
        assert {a.status_code for a in answers} == {200}, path
        assert len({a.content for a in answers}) == 1, f"{path}: readers got different bodies"
        assert "xkey" not in answers[0].headers and "Surrogate-Key" not in answers[0].headers
    origin = edge.origin.requests(since)
    for path in ("/", "/api/v2/summary.json"):
        rendered = [r for r in origin if r.path == path]
        assert len(rendered) == 1, f"{path}: {len(rendered)} origin renders; {tally(origin)}"


def test_a_published_change_shows_on_the_next_requests_after_its_purge(edge):
    pages = ["/", "/api/v2/summary.json"]
    for path in pages:
        edge.get(path)
        again = edge.get(path)
        assert again.status_code == 200 and again.headers["X-Cache"] == "HIT", path
    since = edge.origin.mark()

    name = f"Slow exports {uuid.uuid4().hex[:8]}"
    incident_id = _open_incident(edge, name)
    for path in pages:
        poll(
            lambda path=path: name in edge.get(path).text,
            PURGE_SHOWS_WITHIN,
            what=f"the new incident on {path} through Varnish",
        )

    page = f"/incidents/{incident_id}/"
    edge.get(page)
    assert edge.get(page).headers["X-Cache"] == "HIT"
    body = f"Exports are slow for one customer in ten {uuid.uuid4().hex[:8]}."
    answer = edge.origin.site.api(
        "PATCH", f"incidents/{incident_id}", {"incident": {"status": "identified", "body": body}}
    )
    assert answer.status == 200, answer
    for path in (page, "/api/v2/summary.json"):
        poll(
            lambda path=path: body in edge.get(path).text,
            PURGE_SHOWS_WITHIN,
            what=f"the new update on {path} through Varnish",
        )
    # Polled from the cache until the purge: one render of / for the change, not one per poll.
    origin = edge.origin.requests(since)
    rendered = [r for r in origin if r.path == "/"]
    assert 1 <= len(rendered) <= 2, f"/ reached the origin {len(rendered)} times: {tally(origin)}"


def test_a_herd_on_a_cold_page_costs_one_origin_render(edge):
    path = f"/incidents/{_demo_incident(edge)}/"
    since = edge.origin.mark()
    herd = 64
    start = threading.Barrier(herd)

    def read(_n: int) -> requests.Response:
        with requests.Session() as browser:  # a connection of its own
            start.wait()
            return edge.get(path, session=browser)

    with ThreadPoolExecutor(herd) as pool:
        answers = list(pool.map(read, range(herd)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    rendered = edge.origin.count(since, path)
    assert rendered == 1, f"{herd} readers of a cold page: {rendered} origin renders"
    # And they were a herd: readers arrived during that render and waited for it.
    poll(
        lambda: edge.varnish.counters("MAIN.busy_sleep")["MAIN.busy_sleep"],
        10,
        what="readers put to wait for the render (varnishstat MAIN.busy_sleep)",
    )


@pytest.mark.parametrize("probe", ["watching", "not looking"], indirect=True)
def test_the_last_pages_stay_served_while_the_origin_is_down(short_lived_edge, probe):
    """Answers kept 2 s here (see conftest.short_lived): past their TTL and the
    stale-while-revalidate window, with the origin down, the last copies are served; whether
    the probe marks the origin down, or has not noticed yet and only the fetches fail."""
    edge = short_lived_edge
    site = edge.origin.site
    pages = ["/", "/it/", "/api/v2/summary.json", f"/incidents/{_demo_incident(edge)}/"]
    last = {}
    for path in pages:
        last[path] = edge.get(path)
        assert last[path].status_code == 200, path

    site.stop_web()
    try:

        def served_past_their_ttl() -> bool:
            ages = []
            for path in pages:
                answer = edge.get(path)
                assert answer.status_code == 200, f"{path}, the origin down: {answer.status_code}"
                assert answer.content == last[path].content, f"{path} changed with the origin down"
                ages.append(int(answer.headers["Age"]))
            return min(ages) >= 5

        poll(served_past_their_ttl, 30, what="the pages served 5 s old, the origin down")
        never_cached = edge.get("/history.rss")
        assert never_cached.status_code == 503  # at once: nothing to serve, nothing to wait for
    finally:
        site.start_web()

    name = f"Back online {uuid.uuid4().hex[:8]}"
    _open_incident(edge, name)
    poll(
        lambda: name in edge.get("/").text,
        PURGE_SHOWS_WITHIN,
        what="a new incident on / through Varnish, the origin back",
    )


def _raw(edge: Edge, method: str, headers: dict, source: str = "127.0.0.1") -> tuple[int, dict]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", edge.varnish.port, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(method, "/", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def test_only_the_origin_hosts_may_purge(edge):
    page = edge.get("/")
    assert edge.get("/").headers["X-Cache"] == "HIT"
    since = edge.origin.mark()

    # Another address (any of 127/8 reaches the loopback), even claiming to be forwarded.
    stranger = {"xkey-purge": "statuspage", "X-Forwarded-For": "127.0.0.1"}
    assert _raw(edge, "PURGE", stranger, source="127.0.0.2")[0] == 403
    assert _raw(edge, "BAN", {}, source="127.0.0.2")[0] == 405
    assert _raw(edge, "BAN", {})[0] == 405
    again = edge.get("/")
    assert again.headers["X-Cache"] == "HIT" and again.content == page.content

    status, headers = _raw(edge, "PURGE", {"xkey-purge": "lists lang-en"})
    assert status == 200 and int(headers["X-Purged"]) >= 1, headers
    assert edge.get("/").headers["X-Cache"] == "MISS"  # fresh from the origin
    assert edge.origin.count(since, "/") == 1
