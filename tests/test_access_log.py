"""gunicorn's access log, turned on, keeps API keys, subscriber links and credential headers
out: a real gunicorn with gunicorn.conf.py, real requests, the log file read back."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .processes import free_port, listening, poll

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")

API_KEY = "SECRETKEY123456789"
CONFIRM_TOKEN = "SOMETOKEN.abc"
REFERER_TOKEN = "REFERERTOKEN.xyz"
AUTHORIZATION = "OAuth AUTHHEADERSECRET0123456789"
ENCODED_TOKEN = "ENCODEDTOKEN.def"
SECRETS = [API_KEY, CONFIRM_TOKEN, REFERER_TOKEN, "AUTHHEADERSECRET", ENCODED_TOKEN]

# gunicorn's default format, plus the atoms that carry the query, the path and the headers.
LOG_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    'q="%(q)s" U="%(U)s" referer="%({referer}i)s" auth="%({Authorization}i)s"'
)


@pytest.fixture
def gunicorn(tmp_path):
    """A running gunicorn, as production starts it, logging access to a file."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "WEB_CONCURRENCY": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    port, log = free_port(), tmp_path / "access.log"
    output = (tmp_path / "gunicorn.out").open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "statuspage.wsgi", "-c", "gunicorn.conf.py",
         "--access-logfile", str(log), "--access-logformat", LOG_FORMAT,
         "-b", f"127.0.0.1:{port}",
         # Not the control socket in ~/.gunicorn, which another gunicorn may hold.
         "--no-control-socket"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        poll(lambda: listening(port) or process.poll() is not None, what="gunicorn listening")
        assert process.poll() is None, (tmp_path / "gunicorn.out").read_text()
        yield port, log, tmp_path / "gunicorn.out"
    finally:
        process.terminate()
        process.wait(timeout=30)
        output.close()


def _get(port: int, path: str, **headers) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.slow
def test_access_log_holds_paths_but_no_secrets(gunicorn):
    port, log, output = gunicorn
    _get(port, f"/api/v1/pages/x/components?api_key={API_KEY}")
    _get(
        port,
        f"/subscribe/confirm/{CONFIRM_TOKEN}/",
        Referer=f"http://127.0.0.1:{port}/subscribe/manage/{REFERER_TOKEN}/",
        Authorization=AUTHORIZATION,
    )
    # Django decodes %2F before routing: an encoded link is still a link, and still secret.
    _get(port, f"/subscribe%2Funsubscribe%2F{ENCODED_TOKEN}/")

    lines = poll(
        lambda: (text := log.read_text()).count("\n") >= 3 and text.splitlines(),
        what=f"three access log lines in {log}",
    )
    # One line per request, in whatever order the server's threads wrote them.
    api, confirm, encoded = (
        next(line for line in lines if marker in line)
        for marker in ("/api/v1/", "/subscribe/confirm/", "unsubscribe")
    )
    for secret in SECRETS:
        assert secret not in log.read_text()
        assert secret not in output.read_text()  # nor in gunicorn's or Django's own log
    assert '"GET /api/v1/pages/x/components?api_key=[redacted] HTTP/1.1"' in api
    assert 'q="api_key=[redacted]"' in api and 'U="/api/v1/pages/x/components"' in api
    assert '"GET /subscribe/confirm/[redacted]/ HTTP/1.1"' in confirm
    assert 'U="/subscribe/confirm/[redacted]/"' in confirm
    assert f'"http://127.0.0.1:{port}/subscribe/manage/[redacted]/"' in confirm
    assert f'referer="http://127.0.0.1:{port}/subscribe/manage/[redacted]/"' in confirm
    assert 'auth="[redacted]"' in confirm
    assert "/subscribe/unsubscribe/[redacted]/" in encoded
