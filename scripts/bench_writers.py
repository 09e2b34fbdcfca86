"""Concurrent writers: management-API clients posting incident updates at once to a real site
on SQLite (gunicorn as in production, two processes; a Celery worker with beat freezing the
audiences and sending the mails those updates record), against one writer alone in the same
run. It prints how many writes were accepted and their latency as the clients saw it.

The site is started by the very code the concurrency test uses (tests/processes.py `Site`), on
its own database and directory under var/bench/writers/.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / "var" / "bench" / "writers"
WRITERS = int(os.environ.get("BENCH_WRITERS", "8"))
POSTS = int(os.environ.get("BENCH_WRITER_POSTS", "25"))
SUBSCRIBERS = 4  # each update notifies them: the worker writes while the clients do


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _run(site, writers: int, component: str) -> None:
    """`writers` clients, each posting POSTS updates to an incident of its own, one after the
    other (a client waits for each answer), all clients at once."""
    incidents = []
    for n in range(writers):  # setup, not measured
        created = site.api(
            "POST",
            "incidents",
            {"incident": {"name": f"Bench writer {writers}-{n}", "status": "investigating",
                          "body": "Seen.", "components": {component: "partial_outage"}}},
        )  # fmt: skip
        if created.status != 201:
            raise SystemExit(f"could not open the bench's incidents: {created}")
        incidents.append(created.json()["id"])
    before = _worker_rows(site)

    def client(incident_id: str):
        return [
            site.api("PATCH", f"incidents/{incident_id}",
                     {"incident": {"status": ("identified", "monitoring")[k % 2],
                                   "body": f"Update {k}."}})
            for k in range(POSTS)
        ]  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        answers = [a for answers in pool.map(client, incidents) for a in answers]
    elapsed = time.perf_counter() - started
    accepted = sum(200 <= a.status < 300 for a in answers)
    latencies = [a.ms for a in answers]
    refused = sorted({f"{a.status} {a.body[:80]}" for a in answers if not 200 <= a.status < 300})
    frozen, sent = (
        after - earlier for after, earlier in zip(_worker_rows(site), before, strict=True)
    )
    print(
        f"  {writers:>2} x {POSTS:<4}{accepted:>6} / {len(answers):<6}"
        f"{_percentile(latencies, 50):>8.0f}{_percentile(latencies, 99):>8.0f}"
        f"{len(answers) / elapsed:>10.1f}{frozen:>9}{sent:>9}"
    )
    for line in refused:
        print(f"         refused: {line}")


def _worker_rows(site) -> tuple[int, int]:
    """Delivery rows the worker wrote (frozen audiences), and those it marked sent."""
    sql = "SELECT COUNT(*), COUNT(sent_at) FROM notifications_delivery"
    return tuple(site.query(sql)[0])


def writers() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.processes import Site

    shutil.rmtree(DIRECTORY, ignore_errors=True)
    site = Site(DIRECTORY, f"sqlite:///{DIRECTORY / 'db.sqlite3'}")
    site.prepare(subscribers=SUBSCRIBERS)
    try:
        site.start()
        component = site.components()["Pod 13"]
        print(f"concurrent writers: SQLite, gunicorn {site.env['WEB_CONCURRENCY']} processes "
              f"(gthread), a Celery worker with beat; PATCH incident (status + body), each "
              f"notifying {SUBSCRIBERS} subscribers")  # fmt: skip
        print(f"  {'writers':<9}{'accepted':>15}{'p50 ms':>8}{'p99 ms':>8}{'writes/s':>10}"
              f"{'frozen':>9}{'sent':>9}   (worker, meanwhile)")  # fmt: skip
        for count in (1, WRITERS):
            _run(site, count, component)
    finally:
        site.stop()


if __name__ == "__main__":
    writers()
