"""Real processes for the tests that need them and for `make bench`: the helpers to start,
wait for and stop a child process (a Celery worker among them), `missing` for a test whose
program or server this machine lacks, and `Site`, a whole site of its own (a fresh database with
the demo, gunicorn as in production, a Celery worker with beat) driven over HTTP.

Importable without Django set up, so that scripts/bench_writers.py uses this very code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def poll(
    check,
    timeout: float = 30.0,
    *,
    what: str,
    interval: float = 0.1,
    nudge=None,
    nudge_every: float = 2.0,
    not_yet: tuple[type[BaseException], ...] = (),
):
    """Waits for `check()` to be truthy and returns its value; after `timeout` seconds, fails
    naming `what` it waited for and the last value seen. `nudge()` runs every `nudge_every`
    seconds meanwhile. An exception of a `not_yet` type from `check` means "not yet" (SQLite's
    shared in-memory test database answers "table is locked" while a worker thread writes).
    """
    deadline = time.monotonic() + timeout
    last_nudge = 0.0
    value = None
    while True:
        try:
            value = check()
        except not_yet as error:
            value = error
        else:
            if value:
                return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}; last seen: {value!r}")
        if nudge is not None and time.monotonic() - last_nudge >= nudge_every:
            nudge()
            last_nudge = time.monotonic()
        time.sleep(interval)


def missing(message: str) -> NoReturn:
    """Ends a test for want of a program or server this machine lacks (`message` says which and
    how to install it): skipped on a laptop, failed under CI=true, which installs them all, so
    that a run with nothing to test cannot pass."""
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class Process:
    """One child process that can be started, SIGKILLed and started again."""

    def __init__(self, name: str, argv: list[str], log: Path, env=None, cwd=ROOT, user=None):
        self.name, self.argv, self.log, self.env, self.cwd, self.user = (
            name, argv, log, env, cwd, user,
        )  # fmt: skip
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        argv = self.argv if self.user is None else ["runuser", "-u", self.user, "--", *self.argv]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.alive:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def celery_worker(log: Path, env: dict[str, str], *options: str) -> Process:
    """`celery -A statuspage worker <options>` in a process of its own (not started yet)."""
    argv = [str(BIN / "celery"), "-A", "statuspage", "worker", *options]
    return Process("worker", argv, log, env=env)


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange as the client saw it; status 0 when no answer came at all."""

    method: str
    path: str
    status: int
    body: str
    ms: float
    location: str = ""

    def json(self):
        return json.loads(self.body)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}: {self.body[:300]!r}"


# Environment of the test or bench process that must not leak into the site: the site takes
# its own database, and its broker, cache and mail stay under its directory (the defaults).
NOT_INHERITED = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL", "VAR_DIR")

SUBSCRIBE = """
from incidents.notifications import tokens
from incidents.notifications.services import subscriber_confirm, subscriber_request
for n in range({count}):
    subscriber = subscriber_request(email=f"reader{{n}}@example.com")
    subscriber_confirm(tokens.make_token(subscriber, tokens.CONFIRM))
"""


class Site:
    """A site of its own, run as in production: `gunicorn statuspage.wsgi -c gunicorn.conf.py`
    (WEB_CONCURRENCY processes, gthread) and `celery -A statuspage worker --beat` (as in
    Procfile.dev), on `database_url`, with the embedded broker, the file cache and mails as
    .eml files all under `directory`. Nothing of the project's own var/ or database is used.
    """

    PAGE_ID = "demo0page0id"

    def __init__(self, directory: Path, database_url: str, **settings: str):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        inherited = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        self.env = {
            **inherited,
            "DEBUG": "true",
            "SECRET_KEY": "concurrent-writers-only-secret-key",
            "DATABASE_URL": database_url,
            "VAR_DIR": str(self.dir / "var"),
            "SITE_URL": self.base,
            "STATUSPAGE_PAGE_ID": self.PAGE_ID,
            "WEB_CONCURRENCY": "2",
            # Every write is let through: the test is about the database, not the limits.
            "API_RATE": "100000/m",
            "NOTIFY_APPROVAL_THRESHOLD": "1000000",
            "NOTIFY_WIDE_MIN_AUDIENCE": "1000000",
            "LOG_LEVEL": "WARNING",
            **settings,
        }
        self.mail_dir = self.dir / "var" / "mail"
        self.key = ""
        self.processes: list[Process] = []
        self._local = threading.local()

    # -- setting up ----------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        """`manage.py <args>` on this site's database; its standard output."""
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout.strip()

    def prepare(self, subscribers: int) -> None:
        """Migrated, the demo loaded (with the `support` and `manager` logins: DEBUG is on),
        a management-API key for `manager`, and `subscribers` active email subscribers to
        every component, signed up and confirmed through the services as a reader would."""
        self.manage("migrate", "--no-input")
        self.manage("loaddemo")
        # Independent of each other: run at once, they save a process start.
        with ThreadPoolExecutor(2) as pool:
            key = pool.submit(self.manage, "create_api_key", "manager")
            if subscribers:
                snippet = SUBSCRIBE.format(count=subscribers)
                pool.submit(self.manage, "shell", "-c", snippet).result()
            self.key = key.result().splitlines()[-1]

    def start(self) -> None:
        """gunicorn answering on `base` and the worker ready to consume; stop() ends both."""
        web = Process(
            "gunicorn",
            [str(BIN / "gunicorn"), "statuspage.wsgi", "-c", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}"],
            self.dir / "gunicorn.log", env=self.env,
        )  # fmt: skip
        worker_log = self.dir / "worker.log"
        worker = celery_worker(
            worker_log, self.env, "--beat", "--schedule", str(self.dir / "celerybeat-schedule"),
            "--concurrency", "2", "--loglevel", "INFO",
        )  # fmt: skip
        self.processes = [web.start(), worker.start()]
        poll(lambda: self._running() and self._answers_healthz(), 60, what="gunicorn's /healthz")
        poll(
            lambda: self._running() and re.search(rb"celery@\S+ ready\.", worker_log.read_bytes()),
            60,
            what=f"the worker's ready line in {worker_log}",
        )

    def _running(self) -> bool:
        """True, or an error naming the process that exited (rather than waiting in vain)."""
        for process in self.processes:
            if not process.alive:
                raise RuntimeError(f"{process.name} exited; see {process.log}")
        return True

    def _answers_healthz(self) -> bool:
        try:  # the socket is open before the processes have loaded Django: a wait, or a refusal
            return requests.get(self.base + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        for process in self.processes:
            process.stop()

    def stop_web(self) -> None:
        """gunicorn stopped, the worker left running: the origin is down for its readers."""
        self._process("gunicorn").stop()
        poll(lambda: not listening(self.port), 30, what=f"port {self.port} closed (gunicorn)")

    def start_web(self) -> None:
        """gunicorn started again on the same address, after `stop_web`."""
        self._process("gunicorn").start()
        poll(lambda: self._running() and self._answers_healthz(), 60, what="gunicorn's /healthz")

    def _process(self, name: str) -> Process:
        return next(process for process in self.processes if process.name == name)

    # -- driving it ----------------------------------------------------------------------

    @property
    def _session(self) -> requests.Session:
        # One connection per client thread, kept alive as an API client would.
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def request(self, session: requests.Session, method: str, path: str, **kwargs) -> Answer:
        """Never raises: a refused connection or a timeout is an Answer with status 0."""
        started = time.perf_counter()
        try:
            response = session.request(
                method, self.base + path, timeout=90, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            ms = (time.perf_counter() - started) * 1000
            return Answer(method, path, 0, f"{type(error).__name__}: {error}", ms)
        ms = (time.perf_counter() - started) * 1000
        return Answer(method, path, response.status_code, response.text, ms,
                      response.headers.get("Location", ""))  # fmt: skip

    def api(self, method: str, path: str, body: dict | None = None) -> Answer:
        """The management API: `path` under /api/v1/pages/<page id>/."""
        return self.request(
            self._session,
            method,
            f"/api/v1/pages/{self.PAGE_ID}/{path}",
            json=body,
            headers={"Authorization": f"OAuth {self.key}"},
        )

    def components(self) -> dict[str, str]:
        """Component names to their public ids, from the public API."""
        answer = self.request(self._session, "GET", "/api/v2/components.json")
        return {c["name"]: c["id"] for c in answer.json()["components"]}

    def admin_login(self, username: str, password: str) -> requests.Session:
        """A browser's session, logged in through /admin/login/ with its CSRF token."""
        session = requests.Session()
        page = self.request(session, "GET", "/admin/login/")
        form = {"username": username, "password": password, "next": "/admin/"}
        form["csrfmiddlewaretoken"] = csrf_token(page)
        answer = self.request(session, "POST", "/admin/login/", data=form)
        if answer.status != 302 or "/login/" in answer.location:
            raise AssertionError(f"login as {username} failed: {answer}")
        return session

    # -- looking inside ------------------------------------------------------------------

    def query(self, sql: str) -> list[tuple]:
        """A read of the site's database, beside the site (SQLite or PostgreSQL)."""
        if self.database_url.startswith("sqlite:"):
            with sqlite3.connect(urlsplit(self.database_url).path, timeout=30) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()

    def mails(self) -> int:
        """Messages the worker wrote as .eml files."""
        return len(list(self.mail_dir.glob("*.eml"))) if self.mail_dir.exists() else 0


def csrf_token(page: Answer) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if found is None:
        raise AssertionError(f"no CSRF token in {page}")
    return found.group(1)


# -- Varnish -----------------------------------------------------------------------------

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VARNISH_VCL = ROOT / "deploy" / "varnish" / "default.vcl"
XKEY_VMODS = ("/usr/lib/x86_64-linux-gnu/varnish/vmods", "/usr/lib/aarch64-linux-gnu/varnish/vmods",
              "/usr/lib/varnish/vmods")  # fmt: skip


def varnish_lacking() -> str | None:
    """What this machine lacks to run the shipped VCL (varnishd, the xkey vmod), or None."""
    if not os.access(VARNISHD, os.X_OK):
        return "varnishd is not installed (apt-get install varnish varnish-modules)"
    if not any(Path(d, "libvmod_xkey.so").exists() for d in XKEY_VMODS):
        return "the xkey vmod is not installed (apt-get install varnish-modules)"
    return None


def varnish_vcl(origin_port: int, vcl: str | None = None) -> str:
    """The shipped VCL (or `vcl`) with its `backend default` pointing at 127.0.0.1:origin_port:
    the `.host` and `.port` lines of that block rewritten, nothing else."""
    text = VARNISH_VCL.read_text() if vcl is None else vcl
    block = re.search(r"backend default \{.*?\n\}", text, re.S)
    if block is None:
        raise ValueError("no `backend default { ... }` block in the VCL")
    backend = re.sub(r'(\n\s*\.host\s*=\s*)"[^"]*";', r'\g<1>"127.0.0.1";', block.group(0), count=1)
    backend = re.sub(r'(\n\s*\.port\s*=\s*)"[^"]*";', rf'\g<1>"{origin_port}";', backend, count=1)
    return text[: block.start()] + backend + text[block.end() :]


class Varnish:
    """The machine's varnishd in the foreground (`-F`), a child process with its own working
    directory under `directory`, listening on 127.0.0.1:`port` with the VCL text `vcl`."""

    def __init__(self, directory: Path, vcl: str, port: int | None = None, storage="malloc,64m"):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.vcl = vcl
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.storage = storage
        self.workdir = self.dir / "varnish"
        self.process: Process | None = None

    def start(self) -> Varnish:
        vcl = self.dir / "default.vcl"
        vcl.write_text(self.vcl)
        compiled = subprocess.run(
            [VARNISHD, "-j", "none", "-C", "-f", str(vcl)], capture_output=True, text=True
        )
        if compiled.returncode:
            raise RuntimeError(f"varnishd -C -f {vcl} failed:\n{compiled.stderr[-3000:]}")
        argv = [
            VARNISHD, "-F", "-n", str(self.workdir), "-a", f"127.0.0.1:{self.port}",
            "-T", "127.0.0.1:0", "-f", str(vcl), "-s", self.storage,
            # No jail: as root it would switch to the `varnish` user, who cannot read a
            # private temporary directory; a smaller shared log than the 80 MB default.
            "-j", "none", "-p", "vsl_space=16M",
        ]  # fmt: skip
        self.process = Process("varnishd", argv, self.dir / "varnishd.log").start()
        poll(
            lambda: self._running() and listening(self.port),
            60,
            what=f"varnishd listening on {self.port} (see {self.dir / 'varnishd.log'})",
        )
        return self

    def _running(self) -> bool:
        if not self.process.alive:
            raise RuntimeError(f"varnishd exited; see {self.dir / 'varnishd.log'}")
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            poll(lambda: not listening(self.port), 30, what=f"port {self.port} closed (varnishd)")

    def counters(self, *names: str) -> dict[str, int]:
        """varnishstat's counters `names` (e.g. MAIN.backend_req; a glob names several)."""
        argv = ["varnishstat", "-n", str(self.workdir), "-1", "-j"]
        for name in names:
            argv += ["-f", name]
        found = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
        counters = found.get("counters", found)  # the layout of 7.x, or of 6.x
        return {k: v["value"] for k, v in counters.items() if isinstance(v, dict) and "value" in v}

    def adm(self, *command: str) -> str:
        """A varnishadm command's output."""
        argv = ["varnishadm", "-n", str(self.workdir), *command]
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


# -- Prometheus and Alertmanager ---------------------------------------------------------

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


def prometheus_lacking(program: str) -> str | None:
    """What this machine lacks to run Debian's `program` (PROMETHEUS or ALERTMANAGER), or
    None."""
    if os.access(program, os.X_OK):
        return None
    package = Path(program).name
    return f"{package} is not installed (apt-get install {package})"


class PrometheusServer:
    """Prometheus or Alertmanager (Debian's binaries) in the foreground, a child process on
    127.0.0.1:`port` with the configuration text `config` and its data under `directory`;
    started when it answers `/-/ready`. Neither uses the package's systemd service or its
    files: everything is the test's own."""

    def __init__(self, program: str, directory: Path, config: str, port: int | None = None):
        self.program = program
        self.name = Path(program).name
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / f"{self.name}.log"
        self.process: Process | None = None

    def argv(self, config: Path) -> list[str]:
        listen = f"--web.listen-address=127.0.0.1:{self.port}"
        if self.program == ALERTMANAGER:
            # An empty cluster address: a lone Alertmanager, no gossip port to collide on.
            return [self.program, f"--config.file={config}", f"--storage.path={self.dir / 'data'}",
                    listen, "--cluster.listen-address="]  # fmt: skip
        return [self.program, f"--config.file={config}",
                f"--storage.tsdb.path={self.dir / 'tsdb'}", listen]  # fmt: skip

    def start(self) -> PrometheusServer:
        config = self.dir / f"{self.name}.yml"
        config.write_text(self.config)
        self.process = Process(self.name, self.argv(config), self.log, cwd=self.dir).start()
        try:
            poll(
                lambda: self._running() and self._ready(),
                60,
                what=f"{self.name}'s /-/ready on {self.port} (see {self.log})",
            )
        except BaseException:  # not left running behind a failed start
            self.process.stop()
            raise
        return self

    def _running(self) -> bool:
        if not self.process.alive:
            raise RuntimeError(f"{self.name} exited; see {self.log}")
        return True

    def _ready(self) -> bool:
        try:
            return requests.get(self.base + "/-/ready", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            closed = f"port {self.port} closed ({self.name})"
            poll(lambda: not listening(self.port), 30, what=closed)

    def counter(self, name: str, **labels: str) -> float:
        """The value of one sample of its own /metrics (0 when it has none yet)."""
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        sample = f"{name}{{{wanted}}}" if labels else name
        for line in requests.get(self.base + "/metrics", timeout=10).text.splitlines():
            if line.startswith(sample + " "):
                return float(line.split(" ")[1])
        return 0.0
