"""PostgreSQL stopped under a running site (gunicorn, Redis cache, a private cluster): the
public pages keep serving from the cache, writes fail with a clear error and change nothing,
and the same write succeeds, whole, once the database is back."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from ..processes import BIN, ROOT, Process, free_port, listening, poll
from .conftest import report

pytestmark = pytest.mark.slow


class Site:
    def __init__(self, port: int, key: str):
        self.base = f"http://127.0.0.1:{port}"
        self.key = key

    def call(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"OAuth {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def create_incident(self, name: str, component_id: str):
        page = "demo0page0id"
        body = {
            "incident": {
                "name": name,
                "status": "investigating",
                "body": f"{name}: investigating.",
                "components": {component_id: "major_outage"},
                "deliver_notifications": False,
            }
        }
        return self.call("POST", f"/api/v1/pages/{page}/incidents", body)


@pytest.fixture
def site(private_postgres, redis_server, tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": private_postgres.url,
        "CACHE_URL": redis_server.url.replace("/0", "/1"),
        "CELERY_BROKER_URL": redis_server.url,
        "API_RATE": "10000/m",
        "STATUSPAGE_PAGE_ID": "demo0page0id",
    }

    def manage(*args: str) -> str:
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return result.stdout.strip()

    manage("migrate", "--no-input")
    manage("loaddemo")
    key = manage("create_api_key", "manager")
    port = free_port()
    server = Process(
        "gunicorn",
        [str(BIN / "gunicorn"), "statuspage.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--threads", "4", "--timeout", "30"],
        tmp_path / "gunicorn.log",
        env=env,
    )  # fmt: skip
    server.start()
    poll(lambda: listening(port), 30, what=f"gunicorn on port {port}")
    yield Site(port, key)
    server.stop()


def test_database_restart(site, private_postgres):
    status, _headers, body = site.call("GET", "/api/v2/components.json")
    assert status == 200
    pod = next(c for c in json.loads(body)["components"] if c["name"] == "Pod 13")
    status, _headers, body = site.create_incident("Before the outage", pod["id"])
    assert status == 201, body
    before_id = json.loads(body)["id"]
    pages = ["/", f"/incidents/{before_id}/", "/api/v2/summary.json"]
    for path in pages:
        assert site.call("GET", path)[0] == 200  # rendered and cached

    private_postgres.stop()
    for path in pages:
        status, headers, body = site.call("GET", path)
        assert status == 200, (path, body)
        assert headers.get("X-Cache") in ("HIT", "STALE")
    assert "Before the outage" in site.call("GET", "/")[2]
    status, headers, body = site.create_incident("During the outage", pod["id"])
    assert status == 503
    assert json.loads(body) == {
        "error": "The database is unavailable; nothing was changed. Retry shortly."
    }
    assert headers.get("Retry-After") == "30"
    status, _headers, body = site.call("GET", "/admin/incidents/incident/")
    assert status in (200, 503), body  # a clear answer (or the login page), never a 500

    private_postgres.start()
    status, _headers, body = poll(
        lambda: (lambda r: r if r[0] == 201 else None)(
            site.create_incident("After the outage", pod["id"])
        ),
        60,
        what="a 201 to the same write once PostgreSQL is back",
        interval=0.5,
    )
    after = json.loads(body)
    assert len(after["incident_updates"]) == 1
    summary = json.loads(site.call("GET", "/api/v2/summary.json")[2])
    names = [i["name"] for i in summary["incidents"]]
    assert names.count("After the outage") == 1 and "During the outage" not in names
    assert "Before the outage" in names
    status_of = {c["name"]: c["status"] for c in summary["components"]}
    assert status_of["Pod 13"] == "major_outage"
    assert "After the outage" in site.call("GET", "/")[2]
    report("database restart: cached pages served while down, the write refused with 503, "
           "the retried write complete once back")  # fmt: skip
