"""Production refuses to start half-configured; EMAIL_URL picks the mail transport."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from statuspage.mail import mailer_from_url


def _import_settings(**env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import statuspage.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings(ALLOWED_HOSTS="status.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _import_settings(SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_starts_when_configured():
    result = _import_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="status.example.com")
    assert result.returncode == 0, result.stderr


def test_email_url_variants(tmp_path):
    assert mailer_from_url("", tmp_path) == {
        "BACKEND": "statuspage.mail.EmlFileBackend",
        "OPTIONS": {"file_path": str(tmp_path)},
    }
    smtp = mailer_from_url("smtp+tls://user%40x:p%3Ass@mail.example.com:587", tmp_path)
    assert smtp["OPTIONS"] == {
        "host": "mail.example.com", "port": 587, "username": "user@x", "password": "p:ss",
        "timeout": 10, "use_tls": True,
    }  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="scheme"):
        mailer_from_url("carrier-pigeon://coop", tmp_path)


def test_eml_backend_writes_one_file_per_message(tmp_path):
    from django.core.mail import EmailMessage

    from statuspage.mail import EmlFileBackend

    backend = EmlFileBackend(file_path=str(tmp_path))
    sent = backend.send_messages(
        [EmailMessage("One", "Body", "a@example.com", ["b@example.com"]) for _ in range(2)]
    )
    files = sorted(tmp_path.glob("*.eml"))
    assert sent == 2 and len(files) == 2
    assert b"Subject: One" in files[0].read_bytes()


def test_without_a_cache_server_every_process_sees_the_same_cache():
    """The web server, the Celery worker that starts a maintenance and a management command are
    separate processes: a change one publishes must refresh the pages another serves."""
    script = (
        "import django; django.setup()\n"
        "from incidents.cache import bump_version, content_version\n"
        "before = content_version(); bump_version(); print(before, content_version())"
    )
    env = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="statuspage.settings")

    def run():
        result = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        return result.stdout.split()

    _, published = run()
    seen_by_the_next, _ = run()
    assert seen_by_the_next == published
