"""The shipped Varnish configuration (deploy/varnish/default.vcl) with the real Varnish: the
machine's varnishd, started for each test with an empty cache, in front of a real site of its
own (tests.processes.Site: gunicorn and a Celery worker with beat on a fresh SQLite database
with the demo), shared by the tests of this package and driven over HTTP.

The site purges that Varnish after every public change (CACHE_PURGE_URLS), and gunicorn logs
every request that reaches it: what reached the origin is counted in that access log.
Where varnishd or the xkey vmod is missing the tests are skipped, and fail under CI=true.
"""

from __future__ import annotations

import re
import shlex
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ..processes import Site, Varnish, free_port, missing, poll, varnish_lacking, varnish_vcl

# One line per request that reached the origin; the cookie header only as present or not
# (the project's access logger writes "[redacted]" for it, "-" when there is none).
ACCESS_FORMAT = "%(m)s %(U)s q=%(q)s %(s)s cookie=%({cookie}i)s"


# The worker's log lines about a purge task (Celery at INFO).
PURGE_TASK = re.compile(r"Task incidents\.tasks\.purge_shared_cache\[([0-9a-f-]+)\] (\w+)")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/varnish/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.slow)


@dataclass(frozen=True)
class OriginRequest:
    method: str
    path: str
    query: str
    status: int
    cookie: bool

    @classmethod
    def parse(cls, line: str) -> OriginRequest:
        method, path, query, status, cookie = line.split(" ")
        return cls(method, path, query[2:], int(status), cookie != "cookie=-")


def tally(found: list[OriginRequest]) -> str:
    """What reached the origin, in short: "GET / x2, GET /history/ (cookie) x1"."""
    counts = Counter(f"{r.method} {r.path}{' (cookie)' if r.cookie else ''}" for r in found)
    return ", ".join(f"{what} x{n}" for what, n in counts.items()) or "nothing"


class Origin:
    """The site as the origin behind Varnish, and what reached it (its access log)."""

    def __init__(self, site: Site, log: Path):
        self.site = site
        self.log = log

    def mark(self) -> int:
        """Where the log ends now: what a test counts starts there."""
        return self.log.stat().st_size if self.log.exists() else 0

    def requests(self, since: int) -> list[OriginRequest]:
        """Every request that reached the origin after `since` (the probe's /healthz aside),
        once the log holds them all. gunicorn writes a line just after its answer, by the
        thread that answered: a request of our own to the origin is waited for, then for no
        new line to come in a while (a busy machine may hold a thread back)."""
        token = uuid.uuid4().hex
        response = requests.get(f"{self.site.base}/healthz?settled={token}", timeout=30)
        assert response.status_code == 200, response.text
        poll(
            lambda: any(token in line for line in self._lines(since)),
            what=f"the request {token} in {self.log}",
        )
        seen: list[list[OriginRequest]] = []

        def quiet() -> bool:  # the same lines twice, half a second apart
            seen.append(self._requests(since))
            return len(seen) > 1 and seen[-1] == seen[-2]

        poll(quiet, 30, what=f"no new line in {self.log}", interval=0.5)
        return seen[-1]

    def _requests(self, since: int) -> list[OriginRequest]:
        return [
            OriginRequest.parse(line)
            for line in self._lines(since)
            if line.split(" ")[1] != "/healthz"
        ]

    def purges_pending(self) -> list[str]:
        """The purges the worker has been asked for and has not done yet (retries included),
        from its log."""
        last = {}
        for task, state in PURGE_TASK.findall((self.site.dir / "worker.log").read_text()):
            last[task] = state
        return [task for task, state in last.items() if state in ("received", "retry")]

    def count(self, since: int, path: str, method: str = "GET") -> int:
        return sum(1 for r in self.requests(since) if r.path == path and r.method == method)

    def _lines(self, since: int) -> list[str]:
        with open(self.log, "rb") as log:
            log.seek(since)
            text = log.read().decode()
        complete = text[: text.rfind("\n") + 1]
        return [line for line in complete.splitlines() if line]


class Edge:
    """Varnish with the shipped VCL, in front of the site; requests go through it."""

    def __init__(self, varnish: Varnish, origin: Origin):
        self.varnish = varnish
        self.origin = origin
        self.base = varnish.base

    def get(
        self, path: str, headers: dict | None = None, session: requests.Session | None = None
    ) -> requests.Response:
        return self.request("GET", path, headers=headers, session=session)

    def request(
        self, method: str, path: str, session: requests.Session | None = None, **kwargs
    ) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        return (session or requests).request(method, self.base + path, **kwargs)

    def readers(
        self, path: str, count: int, threads: int = 16, headers: dict | None = None
    ) -> list[requests.Response]:
        """`count` readers of `path`, `threads` at a time, each thread a browser of its own
        (one kept-alive connection)."""
        sessions: dict[int, requests.Session] = {}

        def read(_n: int) -> requests.Response:
            session = sessions.setdefault(threading.get_ident(), requests.Session())
            return self.get(path, headers=headers, session=session)

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(read, range(count)))


@pytest.fixture(scope="package")
def edge_port() -> int:
    """Varnish's port, the same for every test: the site is told to purge it."""
    return free_port()


@pytest.fixture(scope="package")
def origin(tmp_path_factory, edge_port) -> Iterator[Origin]:
    lacking = varnish_lacking()
    if lacking:
        missing(lacking)
    directory = tmp_path_factory.mktemp("origin")
    log = directory / "access.log"
    site = Site(
        directory / "site",
        f"sqlite:///{directory / 'db.sqlite3'}",
        CACHE_PURGE_URLS=f"http://127.0.0.1:{edge_port}/",
        GUNICORN_CMD_ARGS=shlex.join(
            ["--access-logfile", str(log), "--access-logformat", ACCESS_FORMAT]
        ),
    )
    # The demo loaded before any cache exists: no purge of it queued for the tests to meet.
    purge_urls = site.env.pop("CACHE_PURGE_URLS")
    site.prepare(subscribers=0)
    site.env["CACHE_PURGE_URLS"] = purge_urls
    try:
        site.start()
        yield Origin(site, log)
    finally:
        site.stop()


def short_lived(vcl: str, *, probe: bool = True) -> str:
    """`vcl` with every answer kept 2 s instead of its s-maxage and the stale-while-revalidate
    window narrowed from 30 s to 1 s, so that a test of what happens past them (stale-if-error)
    need not wait five minutes. Varnish runs subroutines of one name in the order written:
    the one added runs first, then the shipped one decides as always. Without `probe`, the
    health probe runs once an hour: the origin stays "healthy" however its fetches fail."""
    if not probe:
        assert vcl.count(".interval = 1s;") == 1, "the probe's interval moved"
        vcl = vcl.replace(".interval = 1s;", ".interval = 1h;")
    assert vcl.count("set req.grace = 30s;") == 1, "the stale-while-revalidate window moved"
    vcl = vcl.replace("set req.grace = 30s;", "set req.grace = 1s;")
    first = vcl.index("\nsub vcl_backend_response {")
    cap = (
        "\nsub vcl_backend_response {\n"
        "    if (beresp.ttl > 2s) {\n        set beresp.ttl = 2s;\n    }\n"
        "}\n"
    )
    return vcl[:first] + cap + vcl[first:]


def _edge(origin: Origin, edge_port: int, directory: Path, vcl: str) -> Iterator[Edge]:
    varnish = Varnish(directory, vcl, edge_port)
    varnish.start()
    try:
        # Purges of an earlier test's changes, done before this test counts anything.
        poll(lambda: not origin.purges_pending(), 60, what="the worker's pending purges")
        yield Edge(varnish, origin)
    finally:
        varnish.stop()


@pytest.fixture
def edge(origin, edge_port, tmp_path) -> Iterator[Edge]:
    """The shipped VCL, an empty cache."""
    yield from _edge(origin, edge_port, tmp_path, varnish_vcl(origin.site.port))


@pytest.fixture
def probe(request) -> str:
    """ "watching" (the shipped probe) or "not looking" (see `short_lived`)."""
    return getattr(request, "param", "watching")


@pytest.fixture
def short_lived_edge(origin, edge_port, tmp_path, probe) -> Iterator[Edge]:
    """The shipped VCL with answers kept 2 s (see `short_lived`), an empty cache."""
    vcl = short_lived(varnish_vcl(origin.site.port), probe=probe == "watching")
    yield from _edge(origin, edge_port, tmp_path, vcl)
