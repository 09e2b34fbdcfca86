"""Web benchmarks: the public pages under load, and the cold render of `/`.

- load: gunicorn (the production command) serves `/`, an incident page and
  `/api/v2/summary.json` from the cache; wrk drives each at 64 connections; beside them a
  minimal Django view (`/healthz`) served by the same gunicorn in the same run, and the ratio.
- cold: the render time and query count of `/` with an empty cache, at 50 components and
  5,000 past incidents (median of several renders, in process).

Works on its own SQLite database under var/bench/.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "var" / "bench" / "web.sqlite3"
COMPONENTS = 50
INCIDENTS = 5000
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
WORKERS = os.environ.get("BENCH_WORKERS")
THREADS = os.environ.get("BENCH_THREADS")


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


def cold() -> None:
    """Render time and query count of `/` with an empty cache."""
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
        assert response.status_code == 200 and response["X-Cache"] == "MISS"
        queries.append(len(captured.captured_queries))
    print(f"cold /  ({COMPONENTS} components, {INCIDENTS} past incidents): "
          f"median {statistics.median(timings):.1f} ms, {max(queries)} queries")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wrk(url: str) -> tuple[float, float, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency",
         "-H", "Accept-Encoding: gzip", url],
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
    finally:
        server.terminate()
        server.wait(timeout=30)


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
