"""Production settings: `check --deploy` is clean, HSTS is on, and every answer carries a
Content-Security-Policy whose nonce never ends up in a cached, shared page."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra) -> dict[str, str]:
    # The browser tests allow async-unsafe calls in this process; production never does.
    test_only = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="status.example.com",
        DJANGO_SETTINGS_MODULE="statuspage.settings",
        **extra,
    )
    return env


def test_check_deploy_has_no_warnings_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _settings_in(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hsts_defaults_and_overrides():
    names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")
    assert _settings_in(_production_env(), *names) == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }
    custom = _production_env(SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="false")
    assert _settings_in(custom, *names)["SECURE_HSTS_SECONDS"] == 600
    assert _settings_in(custom, *names)["SECURE_HSTS_PRELOAD"] is False


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_public_pages_send_a_policy_without_a_nonce_even_from_the_cache(client, pods):
    first = client.get("/")
    second = client.get("/")
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    for response in (first, second):
        policy = _policy(response)
        assert policy["script-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert "nonce" not in response["Content-Security-Policy"]
    assert b"nonce=" not in second.content
    assert "Content-Security-Policy" in client.get("/api/v2/summary.json")


def test_admin_pages_carry_their_own_nonce_per_request(manager_client):
    nonces = set()
    for _ in range(2):
        response = manager_client.get("/admin/incidents/incident/add/")
        assert response.status_code == 200
        match = re.search(r"'nonce-([^']+)'", _policy(response)["script-src"])
        assert match, response["Content-Security-Policy"]
        nonce = match.group(1)
        assert f'nonce="{nonce}"'.encode() in response.content
        nonces.add(nonce)
    assert len(nonces) == 2


def test_staff_templates_have_no_inline_script_or_style():
    """Inline code would need a nonce; ours lives in static files."""
    app_templates = (ROOT / "incidents").glob("**/templates/**/*.html")
    for path in [*(ROOT / "templates").rglob("*.html"), *app_templates]:
        if "/email/" in str(path):
            continue  # mail clients, not browsers under our policy
        text = path.read_text()
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            assert "src=" in tag or "nonce" in tag, f"{path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path} has an inline event handler"
        assert " style=" not in text, f"{path} has an inline style attribute"


def test_null_characters_in_an_address_are_a_clear_refusal(client, db):
    api = client.get("/api/v2/summary.json", {"component": "pod\x0013"})
    assert api.status_code == 400 and api.json() == {
        "error": "Null characters are not allowed in an address."
    }
    page = client.get("/history/", {"component": "x\x00"})
    assert page.status_code == 400
