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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STATUS_TIMEZONES", "UTC=UTC,America/Los_Angeles"),  # no label
        ("STATUS_TIMEZONES", "UTC=UTC,Mars/Olympus_Mons=MO"),  # no such zone
        ("STATUS_TIMEZONES", "UTC=UTC,America=AM"),  # a folder of the tz database
        ("SUBSCRIBE_RATE", "lots"),
        ("POD_LOOKUP_RATE", "20 a minute"),
        ("API_RATE", "60"),
        ("API_AUTH_FAILURE_RATE", "20/fortnight"),
        ("STATUS_RECENT_DAYS", "0"),
        ("STATUS_RECENT_INCIDENTS", "ten"),
        ("STATUS_UPTIME_DAYS", "-90"),
        ("STATUS_MAINTENANCE_REMINDER", "1h"),
        ("SUBSCRIBE_CONFIRM_MAX_AGE", "0"),
        ("SUBSCRIBER_LINK_MAX_AGE", "400d"),
        ("NOTIFY_STUCK_AFTER", "0"),
        ("NOTIFY_SENDERS", "0"),
        ("NOTIFY_BATCH_SIZE", "0"),
        ("NOTIFY_WIDE_MIN_AUDIENCE", "-1"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("WEBHOOK_ALLOW_HTTP", "maybe"),
        ("CELERY_TASK_ALWAYS_EAGER", "ture"),
        ("WEBHOOK_TIMEOUT", "soon"),
        ("CACHE_PURGE_URLS", "varnish:6081"),  # no scheme
        ("CACHE_PURGE_URLS", "http://127.0.0.1:6081/, ftp://cdn.example.com/"),
    ],
)
def test_malformed_value_refuses_to_start_naming_the_variable(name, value):
    result = _import_settings(DEBUG="true", **{name: value})
    assert result.returncode != 0
    *_, error = result.stderr.strip().splitlines()
    assert error.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert name in error


def test_malformed_sqlite_busy_timeout_refuses_to_start():
    result = _import_settings(
        DEBUG="true", DATABASE_URL="sqlite:///:memory:", SQLITE_BUSY_TIMEOUT="-1"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: SQLITE_BUSY_TIMEOUT" in result.stderr


def test_well_formed_values_are_read():
    script = (
        "from statuspage import settings as s; "
        "print(repr((s.STATUS_TIMEZONES, s.WEBHOOK_ALLOW_HTTP, s.NOTIFY_WIDE_MIN_AUDIENCE,"
        " s.CACHE_PURGE_URLS)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            **os.environ,
            "DEBUG": "true",
            "STATUS_TIMEZONES": "Europe/Rome=CET, UTC=UTC",
            "WEBHOOK_ALLOW_HTTP": "off",
            "NOTIFY_WIDE_MIN_AUDIENCE": "0",
            "CACHE_PURGE_URLS": "http://127.0.0.1:6081/, https://purge.cdn.example.com/svc",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "([('Europe/Rome', 'CET'), ('UTC', 'UTC')], False, 0,"
        " ['http://127.0.0.1:6081/', 'https://purge.cdn.example.com/svc'])"
    )


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
