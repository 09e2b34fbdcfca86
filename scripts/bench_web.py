"""Web benchmarks: the public pages under load, and the cold render of `/`.

- load: gunicorn (the production command) serves `/`, an incident page and
  `/api/v2/summary.json` from the cache; wrk drives each at 64 connections; beside them a
  minimal Django view (`/healthz`) served by the same gunicorn in the same run, and the ratio;
  then `/` and summary.json in turn with a bare Django site (startproject's middleware, one
  constant page of the same size: scripts/bench_bare_site.py) on the same gunicorn settings.
- cold: the render time and query count of `/` with an empty cache, at 50 components and
  5,000 past incidents (median of several renders, in process).
- edge: Varnish with the shipped VCL (deploy/varnish/default.vcl) in front of that gunicorn,
  in the same run: `/` and `/api/v2/summary.json` from its cache under wrk at 64 connections,
  next to the same Varnish serving a static object of the same size and headers from its
  cache, the ratios (goal: at least 0.9), and how many requests reached the origin meanwhile.

Works on its own SQLite database under var/bench/.
"""

from __future__ import annotations

import gzip
import os
import re
import runpy
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "var" / "bench" / "web.sqlite3"
COMPONENTS = 50
INCIDENTS = 5000
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
WORKERS = os.environ.get("BENCH_WORKERS")
THREADS = os.environ.get("BENCH_THREADS")
EDGE_ROUNDS = int(os.environ.get("BENCH_EDGE_ROUNDS", "3"))
EDGE_DURATION = os.environ.get("BENCH_EDGE_DURATION", "5s")


def remove_database(database: Path) -> None:
    """The SQLite file and its journal: a WAL left by a killed run would corrupt a new file."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
    }


def prepare() -> str:
    """A fresh database with the demo, 50 components and 5,000 past incidents; returns the
    demo incident's public id."""
    DATABASE.parent.mkdir(parents=True, exist_ok=True)
    remove_database(DATABASE)
    os.environ.update(_environment())
    os.environ["DJANGO_SETTINGS_MODULE"] = "statuspage.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("loaddemo", verbosity=0)
    from incidents.models import (
        Component,
        ComponentGroup,
        Incident,
        IncidentComponent,
        IncidentUpdate,
    )

    group = ComponentGroup.objects.create(name="More pods", position=5)
    existing = Component.objects.count()
    components = Component.objects.bulk_create(
        [Component(group=group, name=f"Pod {100 + n}", position=n)
         for n in range(COMPONENTS - existing)]
    )  # fmt: skip
    start = datetime(2020, 1, 1, tzinfo=UTC)
    incidents = Incident.objects.bulk_create(
        [
            Incident(name=f"Past incident {n}", status="resolved", impact="minor",
                     started_at=start + timedelta(hours=7 * n),
                     resolved_at=start + timedelta(hours=7 * n + 1))
            for n in range(INCIDENTS)
        ],
        batch_size=1000,
    )  # fmt: skip
    IncidentUpdate.objects.bulk_create(
        [IncidentUpdate(incident=i, status="resolved", body="Fixed.", display_at=i.resolved_at)
         for i in incidents],
        batch_size=1000,
    )  # fmt: skip
    IncidentComponent.objects.bulk_create(
        [IncidentComponent(incident=i, component=components[n % len(components)],
                           status="partial_outage") for n, i in enumerate(incidents)],
        batch_size=1000,
    )  # fmt: skip
    return Incident.objects.get(name__startswith="Admins shown").public_id


def cold_render() -> str:
    """Render time, query count and size of `/` with an empty cache, in this process."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    timings, queries = [], []
    for _ in range(7):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/")
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response["X-Cache"] == "MISS", response
        queries.append(len(captured.captured_queries))
    size = len(response.content) / 1024
    return f"median {statistics.median(timings):6.1f} ms, {max(queries)} queries, {size:.0f} KB"


def cold() -> None:
    print(f"cold /  ({COMPONENTS} components, {INCIDENTS} past incidents): {cold_render()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wrk(url: str, duration: str = DURATION, languages: str = "") -> tuple[float, float, float]:
    languages_header = ["-H", f"Accept-Language: {languages}"] if languages else []
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency",
         "-H", "Accept-Encoding: gzip", *languages_header, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def percentile(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} error responses under load")
    return rate, percentile("50"), percentile("99")


def load(incident_id: str) -> None:
    """Throughput and latency at 64 connections, against a minimal view, same gunicorn."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # The production command, with the project's gunicorn.conf.py (BENCH_WORKERS and
    # BENCH_THREADS override it, to compare).
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    workers = WORKERS or str(config["workers"])
    threads = THREADS or str(config["threads"])
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "statuspage.wsgi",
         "--workers", workers, "--threads", threads,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=_environment(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        targets = [
            ("minimal view (/healthz)", "/healthz"),
            ("/", "/"),
            ("incident page", f"/incidents/{incident_id}/"),
            ("/api/v2/summary.json", "/api/v2/summary.json"),
        ]
        for _label, path in targets:  # the first render, and a few workers' first answers
            for _ in range(8):
                urllib.request.urlopen(base + path, timeout=10).read()
        print(f"load: gunicorn {workers} workers x {threads} threads, wrk {CONNECTIONS} "
              f"connections, {DURATION}, Accept-Encoding: gzip (as browsers ask)")  # fmt: skip
        print("  (the minimal view goes through Django's middleware; cached pages are answered")
        print("  before it, from the process's copy of Django's last answer: incidents/cache.py)")
        print(f"  {'page':<26}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs minimal':>12}")
        baseline = None
        for label, path in targets:
            rate, p50, p99 = _wrk(base + path)
            baseline = baseline or rate
            print(f"  {label:<26}{rate:>10.0f}{p50:>9.2f}{p99:>9.2f}{rate / baseline:>11.0%}")
        # The bytes `/` travels as to wrk (gzip): the bare page is as long.
        packed = urllib.request.Request(base + "/", headers={"Accept-Encoding": "gzip"})
        size = len(urllib.request.urlopen(packed, timeout=10).read())
        pages = [("/", base + "/"), ("/api/v2/summary.json", base + "/api/v2/summary.json")]
        bare(workers, threads, size, pages)
        edge(port, ["/", "/api/v2/summary.json"])
    finally:
        server.terminate()
        server.wait(timeout=30)


def bare(workers: str, threads: str, page_bytes: int, pages: list[tuple[str, str]]) -> None:
    """The origin against a bare Django site (startproject's middleware, one constant page of
    the status page's size) on the same gunicorn configuration, measured in turn."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "bench_bare_site:application",
         "--chdir", str(ROOT / "scripts"), "--workers", workers, "--threads", threads,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "BENCH_PAGE_BYTES": str(page_bytes)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        print(f"origin: against a bare Django site (startproject's middleware, one constant "
              f"{page_bytes}-byte page), same gunicorn, measured in turn")  # fmt: skip
        print("  (ratios: the page over the bare site; goal: req/s at least 1.0, p99 at most 1.0)")
        print(f"  {'page':<26}{'req/s':>10}{'p99 ms':>9}{'bare req/s':>12}{'p99 ms':>9}"
              f"{'req/s ratio':>13}{'p99 ratio':>11}")  # fmt: skip
        for label, url in pages:
            rate, _p50, p99 = _wrk(url)
            bare_rate, _bare_p50, bare_p99 = _wrk(f"http://127.0.0.1:{port}/")
            print(f"  {label:<26}{rate:>10.0f}{p99:>9.2f}{bare_rate:>12.0f}{bare_p99:>9.2f}"
                  f"{rate / bare_rate:>13.2f}{p99 / bare_p99:>11.2f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


REFERENCE_PREFIX = "/__bench/"
# What the edge runs send besides Accept-Encoding: a browser's language list, which `/` reads.
BROWSER_LANGUAGES = "en-US,en;q=0.9"
NOT_REPLAYED = {"date", "server", "connection", "keep-alive", "transfer-encoding", "content-length"}


def _gzip_of_size(size: int) -> bytes:
    """A gzip stream of `size` bytes (or the nearest above), of random data."""
    length = max(size - 30, 1)
    while True:
        packed = gzip.compress(os.urandom(length), compresslevel=1, mtime=0)
        if len(packed) >= size:
            return packed
        length += size - len(packed)


class _Reference(BaseHTTPRequestHandler):
    """`/__bench/<n>`: a static object standing for a page: the page's headers (cacheable as
    it is), a body of random bytes of the page's size, compressed when the page is."""

    protocol_version = "HTTP/1.1"
    objects: dict[str, tuple[list[tuple[str, str]], bytes]] = {}

    def do_GET(self):
        headers, body = self.objects[self.path]
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _stand_in(origin: str, path: str) -> tuple[list[tuple[str, str]], bytes]:
    """The headers of the origin's answer for `path` as wrk asks for it, and a random body of
    its size (a gzip stream when the answer is compressed)."""
    request = urllib.request.Request(origin + path, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        size = len(answer.read())
        headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in NOT_REPLAYED]
    compressed = any(k.lower() == "content-encoding" and v == "gzip" for k, v in headers)
    return headers, _gzip_of_size(size) if compressed else os.urandom(size)


def _with_reference_backend(vcl: str, port: int) -> str:
    """The VCL with one more backend, for the reference objects under /__bench/ (the
    subroutine added runs before the shipped one of the same name, which then goes on)."""
    extra = f"""
backend bench_reference {{
    .host = "127.0.0.1";
    .port = "{port}";
}}

sub vcl_backend_fetch {{
    if (bereq.url ~ "^{REFERENCE_PREFIX}") {{
        set bereq.backend = bench_reference;
    }}
}}
"""
    first = vcl.index("\nsub ")
    return vcl[:first] + "\n" + extra + vcl[first:]


def edge(origin_port: int, paths: list[str]) -> None:
    """Varnish with the shipped VCL in front of the gunicorn on `origin_port`: each of `paths`
    from its cache under wrk, next to a static object of the same size and headers from the
    same cache (served once by a stand-in backend, `_Reference`)."""
    sys.path.insert(0, str(ROOT))
    from tests.processes import Varnish, varnish_lacking, varnish_vcl

    lacking = varnish_lacking()
    if lacking:
        raise SystemExit(f"make bench needs Varnish: {lacking}")
    reference = ThreadingHTTPServer(("127.0.0.1", 0), _Reference)
    threading.Thread(target=reference.serve_forever, daemon=True).start()
    directory = ROOT / "var" / "bench" / "varnish"
    shutil.rmtree(directory, ignore_errors=True)
    vcl = _with_reference_backend(varnish_vcl(origin_port), reference.server_address[1])
    varnish = Varnish(directory, vcl, storage="malloc,256m").start()
    try:
        pairs = []
        for n, path in enumerate(paths):
            static = f"{REFERENCE_PREFIX}{n}"
            _Reference.objects[static] = _stand_in(f"http://127.0.0.1:{origin_port}", path)
            pairs.append((path, static, len(_Reference.objects[static][1])))
            for url in (path, static):  # cached before the runs
                for _ in range(3):
                    urllib.request.urlopen(varnish.base + url, timeout=10).read()

        def origin_requests() -> int:
            return sum(varnish.counters("VBE.*.default.req").values())

        before = origin_requests()
        print(f"edge: Varnish 7 with deploy/varnish/default.vcl in front of that gunicorn, wrk "
              f"{CONNECTIONS} connections, Accept-Language: {BROWSER_LANGUAGES}; medians of "
              f"{EDGE_ROUNDS} runs of {EDGE_DURATION}, in turn with a static object of the "
              f"same size and headers from the same cache")  # fmt: skip
        print(f"  {'page':<22}{'bytes':>7}{'req/s':>9}{'p99 ms':>8}"
              f"{'static req/s':>14}{'p99 ms':>8}{'req/s ratio':>13}{'p99 ratio':>11}")  # fmt: skip
        for path, static, size in pairs:
            # Turn about, EDGE_ROUNDS times each, which goes first alternating, the medians:
            # both sides see the same noise of a shared machine.
            runs = []
            for round_ in range(EDGE_ROUNDS):
                order = (path, static) if round_ % 2 == 0 else (static, path)
                found = {url: _wrk(varnish.base + url, EDGE_DURATION, BROWSER_LANGUAGES)
                         for url in order}  # fmt: skip
                runs.append((found[path], found[static]))
            rate = statistics.median(page[0] for page, _static in runs)
            p99 = statistics.median(page[2] for page, _static in runs)
            static_rate = statistics.median(static[0] for _page, static in runs)
            static_p99 = statistics.median(static[2] for _page, static in runs)
            print(f"  {path:<22}{size:>7}{rate:>9.0f}{p99:>8.2f}{static_rate:>14.0f}"
                  f"{static_p99:>8.2f}{rate / static_rate:>13.2f}"
                  f"{static_p99 / p99:>11.2f}")  # fmt: skip
        reached = origin_requests() - before
        print("  (ratios: the page over the static object, p99 inverted so that higher is "
              "better; goal: at least 0.9)")  # fmt: skip
        print(f"  requests that reached the origin: {reached:,} during these runs "
              f"({before:,} before them, filling the cache)")  # fmt: skip
    finally:
        varnish.stop()
        reference.shutdown()


def assets() -> None:
    """The site's own CSS and JS as collected (hashed names, with their .gz), compressed."""
    from django.conf import settings

    root = Path(settings.STATIC_ROOT) / "incidents"
    files = [p for p in root.glob("*.*.*") if p.suffix in (".css", ".js")]
    packed = sum(p.with_name(p.name + ".gz").stat().st_size for p in files)
    names = ", ".join(sorted(p.name for p in files))
    print(f"own CSS and JS: {packed / 1024:.1f} KB compressed ({names})")


def web() -> None:
    incident_id = prepare()
    assets()
    cold()
    load(incident_id)


if __name__ == "__main__":
    web()
