#!/usr/bin/env python
"""Benchmarks, run by `make bench`. One function per section; each prints its own figures.

Sections (run all, or name some: `python scripts/bench.py web fanout smtp worker`):

- web: `/`, an incident page and `/api/v2/summary.json` served by gunicorn under wrk at 64
  connections next to a minimal view in the same run, and the cold render of `/` at 50
  components and 5,000 past incidents; then `/` and `/api/v2/summary.json` through Varnish
  with the shipped VCL next to a static object of the same size from the same Varnish, and the
  requests that reached the origin meanwhile (scripts/bench_web.py).

- fanout: audience computation and delivery-row creation for 100,000 active subscribers.
- smtp: sending throughput to a local SMTP sink (aiosmtpd), against plain smtplib sending
  the very same messages over one connection, in the same run; the ratio.
- worker: the peak memory of a worker process that freezes and sends to 10,000 and to
  100,000 subscribers (each in a fresh process).
- writers: accepted writes and their latency (p50, p99) for 8 management-API clients posting
  updates at once to gunicorn and a worker on SQLite, against 1 client (scripts/bench_writers.py).
- metrics: bulk ingest of 100,000 data points (points per second; posted anew, then the same
  again, which replaces them), and the cold render of `/` with 10 metrics of 30 days of data
  against the same page without metrics. On SQLite, and on PostgreSQL too when DATABASE_URL
  names one (in a database of its own, created and dropped).

Each section works on its own database (SQLite under var/bench/), never on the project's.
"""

from __future__ import annotations

import io
import os
import resource
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_web import cold_render, remove_database

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))

FANOUT_SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "100000"))
SMTP_MESSAGES = int(os.environ.get("BENCH_SMTP_MESSAGES", "2000"))
WORKER_SIZES = (10_000, 100_000)
WORKER_SENDS = int(os.environ.get("BENCH_WORKER_SENDS", "2000"))


# -- setup -------------------------------------------------------------------------------


def django_on(database: Path, *, fresh: bool) -> None:
    """Sets Django up on its own SQLite file (migrated when fresh)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        remove_database(database)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the sink logs every SMTP command at INFO
    os.environ["DJANGO_SETTINGS_MODULE"] = "statuspage.settings"
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def seed(total: int) -> None:
    """`total` active subscribers over 10 pods: 30% follow all, the rest one or two pods."""
    from incidents.models import Component, ComponentGroup
    from incidents.notifications.models import Subscriber, SubscriberState

    group = ComponentGroup.objects.create(name="Pods")
    pods = Component.objects.bulk_create(
        [Component(group=group, name=f"Pod {n}", position=n) for n in range(10)]
    )
    through = Subscriber.components.through
    chunk = 5000
    for start in range(0, total, chunk):
        batch = Subscriber.objects.bulk_create(
            [
                Subscriber(email=f"reader{n}@example.com", state=SubscriberState.ACTIVE)
                for n in range(start, min(total, start + chunk))
            ]
        )
        links = []
        for subscriber in batch:
            n = subscriber.pk
            if n % 10 < 3:
                continue  # follows everything
            links.append(through(subscriber_id=n, component_id=pods[n % 10].pk))
            if n % 2:
                links.append(through(subscriber_id=n, component_id=pods[(n + 1) % 10].pk))
        through.objects.bulk_create(links)


def queued_notification():
    """A confirmed notification about an incident touching every pod: everyone hears of it."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from incidents import services
    from incidents.models import Component
    from incidents.notifications.models import Notification, NotificationState, Subscriber

    incident = services.incident_create(
        name="Bench incident",
        body="Measuring the fan-out.",
        components=dict.fromkeys(Component.objects.all(), "partial_outage"),
    )
    notification = Notification.objects.get(incident=incident)
    # Approved by a manager for the whole audience, as the guard asks of a send this wide.
    manager = get_user_model().objects.create_user("bench-manager")
    Notification.objects.filter(pk=notification.pk).update(
        state=NotificationState.QUEUED,
        confirmed_at=timezone.now(),
        confirmed_count=Subscriber.objects.count(),
        approved_by=manager,
        approved_at=timezone.now(),
    )
    return notification


def only_first(notification, count: int) -> None:
    """Cancels all deliveries but the first `count`, to send a sample of a frozen audience."""
    from incidents.notifications.models import Delivery, DeliveryState

    keep = Delivery.objects.filter(notification=notification).order_by("pk")[count : count + 1]
    cutoff = keep.values_list("pk", flat=True).first()
    if cutoff is not None:
        Delivery.objects.filter(notification=notification, pk__gte=cutoff).update(
            state=DeliveryState.CANCELLED
        )


class Sink:
    """An SMTP server that counts messages and, when asked, keeps their bytes."""

    def __init__(self, keep: bool = False):
        self.count = 0
        self.keep = keep
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            if self.keep:
                self.messages.append(
                    (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
                )
        return "250 OK"


def start_sink(keep: bool = False):
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink(keep)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller


def point_mail_at(port: int) -> None:
    from django.conf import settings

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 30},
        }
    }


# -- sections ----------------------------------------------------------------------------


def bench_fanout() -> None:
    """Audience computation and delivery-row creation for FANOUT_SUBSCRIBERS subscribers."""
    django_on(BENCH_DIR / "fanout.sqlite3", fresh=True)
    from django.db import connection

    from incidents.notifications.services import delivery, summarize

    started = time.perf_counter()
    seed(FANOUT_SUBSCRIBERS)
    seeded = time.perf_counter() - started
    notification = queued_notification()
    started = time.perf_counter()
    summary = summarize(notification)
    preview = time.perf_counter() - started
    started = time.perf_counter()
    rows = delivery.freeze_audience(notification.pk)
    frozen = time.perf_counter() - started
    print(f"== fan-out ({connection.vendor}, {FANOUT_SUBSCRIBERS:,} active subscribers)")
    print(f"   seeding the subscribers           {seeded:7.2f} s (setup, not measured)")
    print(f"   audience preview with breakdown   {preview:7.2f} s ({summary.total:,} recipients)")
    print(f"   freeze: audience + delivery rows  {frozen:7.2f} s ({rows:,} rows)")


def bench_smtp() -> None:
    """Our sender vs plain smtplib over one connection, same messages, same sink, same run."""
    django_on(BENCH_DIR / "smtp.sqlite3", fresh=True)
    from django.conf import settings
    from django.urls import reverse

    from incidents.notifications.services import delivery

    seed(SMTP_MESSAGES)
    notification = queued_notification()
    delivery.freeze_audience(notification.pk)
    sink, controller = start_sink(keep=True)
    try:
        point_mail_at(controller.port)
        reverse("healthz")  # a running worker loaded the URLs once, before its first send
        started = time.perf_counter()
        result = delivery.send_due(notification.pk)
        ours = time.perf_counter() - started
        assert result.sent == SMTP_MESSAGES == sink.count, (result, sink.count)
        messages = list(sink.messages)
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", controller.port) as client:
            for sender, recipients, content in messages:
                client.sendmail(sender, recipients, content)
        plain = time.perf_counter() - started
    finally:
        controller.stop()
    ours_rate, plain_rate = SMTP_MESSAGES / ours, SMTP_MESSAGES / plain
    print(f"== SMTP fan-out to a local aiosmtpd sink ({SMTP_MESSAGES:,} messages)")
    print(
        f"   ours (render, claim, send, record; batches of {settings.NOTIFY_BATCH_SIZE} "
        f"per connection) {ours:6.2f} s  {ours_rate:8.0f} msg/s"
    )
    print(f"   plain smtplib, same bytes, one connection   {plain:6.2f} s  {plain_rate:8.0f} msg/s")
    print(f"   ratio ours / plain smtplib: {ours_rate / plain_rate:.2f}")


def bench_worker() -> None:
    """Peak RSS of a fresh worker process freezing N deliveries and sending a sample."""
    print(f"== worker memory (freeze every row, then send {WORKER_SENDS:,} of them)")
    for size in WORKER_SIZES:
        database = BENCH_DIR / f"worker-{size}.sqlite3"
        script = str(Path(__file__).resolve())
        subprocess.run([sys.executable, script, "_seed", str(database), str(size)], check=True)
        out = subprocess.run(
            [sys.executable, script, "_work", str(database), str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(f"   {size:>7,} subscribers: {out}")


def _seed(database: str, size: str) -> None:
    django_on(Path(database), fresh=True)
    seed(int(size))
    queued_notification()


def _work(database: str, size: str) -> None:
    """The worker's part, in a process of its own: freeze, then send."""
    django_on(Path(database), fresh=False)
    from incidents.notifications.models import Notification
    from incidents.notifications.services import delivery

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    notification = Notification.objects.get()
    started = time.perf_counter()
    rows = delivery.freeze_audience(notification.pk)
    frozen = time.perf_counter() - started
    after_freeze = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    only_first(notification, WORKER_SENDS)
    sink, controller = start_sink()
    try:
        point_mail_at(controller.port)
        delivery.send_due(notification.pk)
    finally:
        controller.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{rows:,} rows frozen in {frozen:.2f} s; peak RSS {baseline / 1024:.0f} MiB at start, "
        f"{after_freeze / 1024:.0f} MiB after the freeze, {peak / 1024:.0f} MiB after sending "
        f"{sink.count:,}"
    )


def bench_web() -> None:
    """The public pages under load and the cold render of `/` (scripts/bench_web.py)."""
    from bench_web import web

    web()


def bench_writers() -> None:
    """Concurrent writers on SQLite against the real processes (scripts/bench_writers.py)."""
    from bench_writers import writers

    writers()


METRIC_POINTS = 100_000


def bench_metrics() -> None:
    """Metrics: ingest and the cold render of `/`, on SQLite and on the configured PostgreSQL."""
    script = str(Path(__file__).resolve())
    subprocess.run([sys.executable, script, "_metrics", "sqlite"], check=True)
    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        subprocess.run([sys.executable, script, "_metrics", "postgres"], check=True)


def _metrics(kind: str) -> None:
    if kind == "sqlite":
        django_on(BENCH_DIR / "metrics.sqlite3", fresh=True)
        from django.db import connection
    else:  # a database of its own next to the configured one, as the test runner makes
        os.environ.setdefault("DEBUG", "true")
        os.environ["DJANGO_SETTINGS_MODULE"] = "statuspage.settings"
        import django

        django.setup()
        from django.db import connection

        connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + "_bench"
        configured = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from incidents.metrics.models import Metric, MetricProvider
    from incidents.metrics.services import metric_data_add, metric_save, provider_save

    try:
        call_command("loaddemo", stdout=io.StringIO())
        provider = provider_save(MetricProvider(type="Self"))
        now = timezone.now()
        end = int(now.timestamp())
        metric = metric_save(Metric(provider=provider, name="Bench", display=False))
        points = [(end - n, float(n % 1000)) for n in range(METRIC_POINTS)]  # one a second
        rates = []
        for _ in ("new", "again"):
            started = time.perf_counter()
            metric_data_add({metric: points})
            rates.append(METRIC_POINTS / (time.perf_counter() - started))
        without_metrics = cold_render()
        # 10 shown metrics, a point a minute for 30 days (the oldest posted while in the window).
        for n in range(10):
            shown = metric_save(Metric(provider=provider, name=f"Metric {n}", suffix="ms"))
            month = [(end - 60 * m, float(m % 500)) for m in range(30 * 24 * 60)]
            metric_data_add({shown: [p for p in month if p[0] <= end - 20 * 86400]},
                            now=now - timedelta(days=10))  # fmt: skip
            metric_data_add({shown: [p for p in month if p[0] > end - 20 * 86400]})
        with_metrics = cold_render()
        print(f"== metrics ({connection.vendor})")
        print(f"   bulk ingest, {METRIC_POINTS:,} points: {rates[0]:9,.0f} points/s new, "
              f"{rates[1]:9,.0f} points/s posted again (replaced)")  # fmt: skip
        print(f"   cold /  without metrics: {without_metrics}")
        print(f"   cold /  with 10 metrics of 30 days (432,000 points): {with_metrics}")
    finally:
        if kind != "sqlite":
            connection.creation.destroy_test_db(configured, verbosity=0)


SECTIONS = {
    "web": bench_web,
    "fanout": bench_fanout,
    "smtp": bench_smtp,
    "worker": bench_worker,
    "writers": bench_writers,
    "metrics": bench_metrics,
}


def main(argv: list[str]) -> None:
    if argv and argv[0] in ("_seed", "_work", "_metrics"):
        {"_seed": _seed, "_work": _work, "_metrics": _metrics}[argv[0]](*argv[1:])
        return
    names = argv or list(SECTIONS)
    for name in names:
        if name not in SECTIONS:
            raise SystemExit(f"Unknown section {name!r}; choose from {', '.join(SECTIONS)}.")
    if len(names) == 1:
        SECTIONS[names[0]]()
        return
    for name in names:  # Django is set up once per process: one process per section
        subprocess.run([sys.executable, str(Path(__file__).resolve()), name], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
