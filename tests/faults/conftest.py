"""Real processes for the fault tests: a private Redis, a separate SMTP server process, Celery
workers started and SIGKILLed, a private PostgreSQL cluster and a gunicorn.

These tests are marked `faults` and left out of the default run; `.ci/run` runs them with
PostgreSQL (`make faults`). They never touch the shared Redis or PostgreSQL server: what they
kill and restart is their own. Where a server or program they need is missing (redis-server,
PostgreSQL's binaries, a PostgreSQL database) they are skipped, except under CI=true, where
they fail (`tests.processes.missing`): CI installs them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection

from ..processes import Process, celery_worker, free_port, listening, missing, poll

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PROGRAMS = ("initdb", "pg_ctl", "createdb")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/faults/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.slow)


FIGURES: list[str] = []


def report(line: str) -> None:
    """A figure for the end of the run (duplicates at a kill, retries, ...)."""
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("fault figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        missing("the fault tests need PostgreSQL (DATABASE_URL=postgres://...)")


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Redis:
    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(tmp)]  # fmt: skip
        self.process = Process("redis", argv, tmp / "redis.log")

    def start(self) -> None:
        self.process.start()
        poll(lambda: listening(self.port), 15, what=f"redis-server on port {self.port}")

    def restart(self) -> None:
        """A crash and a restart: everything it held (queued tasks) is gone."""
        self.process.kill()
        self.start()


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed (apt-get install redis-server)")
    server = Redis(tmp_path)
    server.start()
    yield server
    server.process.kill()


class SmtpSink:
    """The SMTP server as its own process; `accepted()` lists what it accepted, in order."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.path = tmp / "accepted.txt"
        self.path.touch()
        argv = [sys.executable, str(Path(__file__).with_name("smtp_sink.py")),
                str(self.port), str(self.path)]  # fmt: skip
        self.process = Process("smtp", argv, tmp / "smtp.log")

    def start(self) -> None:
        self.process.start()
        poll(lambda: listening(self.port), 15, what=f"the SMTP sink on port {self.port}")

    def kill(self) -> None:
        self.process.kill()
        poll(lambda: not listening(self.port), 10, what=f"port {self.port} closed (SMTP sink)")

    def accepted(self) -> list[str]:
        return [line for line in self.path.read_text().splitlines() if line]

    def counts(self) -> Counter:
        return Counter(self.accepted())


@pytest.fixture
def smtp_sink(tmp_path):
    sink = SmtpSink(tmp_path)
    sink.start()
    yield sink
    sink.process.kill()


WORKER_SETTINGS = {
    "DEBUG": "true",
    "CACHE_URL": "locmemcache://faults",
    "SITE_URL": "https://status.example.com",
    "NOTIFY_BATCH_SIZE": "100",
    "NOTIFY_SENDERS": "1",
    "NOTIFY_STUCK_AFTER": "5",
    "NOTIFY_RETRY_BACKOFF": "1",
    "NOTIFY_MAX_ATTEMPTS": "12",
    "NOTIFY_APPROVAL_THRESHOLD": "1000000",
    "LOG_LEVEL": "WARNING",
}


@pytest.fixture
def worker_env(postgres_only, redis_server, smtp_sink) -> dict[str, str]:
    return {
        **os.environ,
        **WORKER_SETTINGS,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_server.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
    }


@pytest.fixture
def worker_process(worker_env, tmp_path):
    """`celery -A statuspage worker` in its own process (threads: one process to SIGKILL), on
    the private broker and SMTP server. Not the suite's in-process `worker` (tests/conftest.py):
    these tests kill it and start it again."""
    process = celery_worker(
        tmp_path / "worker.log", worker_env, "--pool", "threads", "--concurrency", "2",
        "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
    )  # fmt: skip
    process.start()
    yield process
    process.kill()


@pytest.fixture
def broker(redis_server):
    """Sends tasks by name to the private broker, as the web process would."""
    app = Celery("faults-client", broker=redis_server.url)
    app.conf.broker_connection_retry_on_startup = True

    class Broker:
        def send(self, name: str, *args) -> None:
            app.send_task(name, args=args)

    yield Broker()
    app.close()


@pytest.fixture
def faults_settings(settings):
    """The test process (which confirms the send) agrees with the workers' settings."""
    settings.NOTIFY_APPROVAL_THRESHOLD = 1_000_000
    settings.NOTIFY_BATCH_SIZE = 100
    return settings


class Postgres:
    """A private cluster in a temporary directory, owned by the `postgres` system user."""

    def __init__(self):
        # Not under pytest's temporary directory: the `postgres` user must be able to reach it.
        self.dir = Path(tempfile.mkdtemp(prefix="statuspage-faults-pg-"))
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *argv: str) -> None:
        command = list(argv)
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def init(self) -> None:
        if self.user:
            shutil.chown(self.dir, self.user)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8")  # fmt: skip
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", "statuspage")  # fmt: skip

    def start(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-l",
                  str(self.dir / "server.log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
                  "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                  "-w", "stop")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/statuspage"


@pytest.fixture
def private_postgres():
    absent = [name for name in PG_PROGRAMS if not (PG_BIN / name).exists()]
    if absent:
        missing(f"PostgreSQL's {', '.join(absent)} not found in {PG_BIN} (set PG_BIN)")
    if os.geteuid() == 0:
        # As root, the cluster runs as the `postgres` system user (initdb refuses root).
        if shutil.which("runuser") is None:
            missing("runuser is not installed (util-linux)")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("no `postgres` system user to run the private cluster as")
    server = Postgres()
    try:
        server.init()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
