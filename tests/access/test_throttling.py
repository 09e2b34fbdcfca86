"""Guessing is throttled: admin passwords per username and address (django-axes), management-API
keys per address (django-ratelimit), and every refusal says when to come back (Retry-After)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from incidents.api import auth
from incidents.api.services import api_key_create

ATTACKER = "198.51.100.7"
ELSEWHERE = "203.0.113.9"
LOGIN = "/admin/login/?next=/admin/"


def _login(client: Client, password: str, username: str = "support", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# Admin logins ------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_username_from_that_address(support_user, settings):
    client = Client(REMOTE_ADDR=ATTACKER)
    codes = [_login(client, f"guess-{n}").status_code for n in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 10
    # The failures before the limit get the login form again; the one reaching it, and every
    # attempt after, the lockout.
    assert codes == [200] * (limit - 1) + [429] * (30 - limit + 1)

    locked = _login(client, "pw")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert locked["Retry-After"] == str(15 * 60)
    assert not _logged_in(client)


def test_the_same_user_from_another_address_still_logs_in(support_user):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(30):
        _login(attacker, f"guess-{n}")
    assert _login(attacker, "pw").status_code == 429

    engineer = Client(REMOTE_ADDR=ELSEWHERE)
    response = _login(engineer, "pw")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert _logged_in(engineer)


def test_a_success_before_the_limit_resets_the_count(support_user, settings):
    client = Client(REMOTE_ADDR=ATTACKER)
    almost = settings.AXES_FAILURE_LIMIT - 1
    assert [_login(client, "typo").status_code for _ in range(almost)] == [200] * almost
    assert _login(client, "pw").status_code == 302
    client.logout()
    # Counted again from zero: as many failures again are still not a lockout.
    assert [_login(client, "typo").status_code for _ in range(almost)] == [200] * almost
    assert _login(client, "pw").status_code == 302


def test_the_lock_ends_after_the_cool_off(support_user, settings):
    client = Client(REMOTE_ADDR=ATTACKER)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "typo")
        clock.shift(timedelta(minutes=14))
        # Retrying while locked does not push the end further away.
        assert _login(client, "pw").status_code == 429
        clock.shift(timedelta(minutes=1, seconds=1))
        assert _login(client, "pw").status_code == 302


def test_behind_a_proxy_the_named_header_is_the_address(support_user, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "10.0.0.1"
    # The proxy appends the address it saw; what the client wrote in front changes nothing.
    for n in range(10):
        forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
        _login(forged, f"guess-{n}")
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert _login(attacker, "pw").status_code == 429
    # Through the same proxy, someone else is not locked out.
    engineer = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert _login(engineer, "pw").status_code == 302


# Management API ----------------------------------------------------------------------------


def _get(key: str | None, address: str, **headers):
    if key:
        headers["HTTP_AUTHORIZATION"] = f"OAuth {key}"
    page = django_settings.STATUSPAGE_PAGE_ID
    return Client(REMOTE_ADDR=address).get(f"/api/v1/pages/{page}/components", **headers)


def _retry_after(response) -> int:
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    return seconds


@pytest.fixture
def clock():
    """Time stands still: django-ratelimit's windows are fixed, and one ending in the middle of
    a test would start its count again."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def key_checks(monkeypatch):
    """How many times a key was looked up."""
    calls = []
    real = auth.api_key_user

    def counting(key):
        calls.append(key)
        return real(key)

    monkeypatch.setattr(auth, "api_key_user", counting)
    return calls


def test_wrong_keys_past_the_limit_stop_that_address(manager_user, settings, key_checks, clock):
    assert settings.API_AUTH_FAILURE_RATE == "20/m"
    key = api_key_create(manager_user)[1]
    codes = [_get(f"wrong-key-{n:040d}", ATTACKER).status_code for n in range(20)]
    assert codes == [401] * 20
    looked_up = len(key_checks)

    for attempt in (f"wrong-key-{21:040d}", key):
        refused = _get(attempt, ATTACKER)
        assert refused.status_code == auth.RATE_LIMITED
        assert refused.json() == {
            "error": "Too many failed authentications from your address. Retry later."
        }
        _retry_after(refused)
    # Refused before the key was even looked at: no more guesses, however good.
    assert len(key_checks) == looked_up

    assert _get(key, ELSEWHERE).status_code == 200
    assert _get("another-wrong-key-000000000000000000", ELSEWHERE).status_code == 401


def test_the_address_may_retry_once_its_window_ends(manager_user, settings, clock):
    settings.API_AUTH_FAILURE_RATE = "3/m"
    key = api_key_create(manager_user)[1]
    for _ in range(3):
        _get("wrong-key-000000000000000000000000", ATTACKER)
    refused = _get(key, ATTACKER)
    assert refused.status_code == auth.RATE_LIMITED
    clock.shift(timedelta(seconds=_retry_after(refused) - 1))
    assert _get(key, ATTACKER).status_code == auth.RATE_LIMITED
    clock.shift(timedelta(seconds=1))
    assert _get(key, ATTACKER).status_code == 200


def test_requests_without_a_key_are_not_guesses(db, clock):
    codes = {_get(None, ATTACKER).status_code for _ in range(30)}
    assert codes == {401}


def test_the_per_key_rate_answer_carries_retry_after(manager_user, settings, clock):
    settings.API_RATE = "2/m"
    key = api_key_create(manager_user)[1]
    codes = [_get(key, ATTACKER).status_code for _ in range(2)]
    assert codes == [200, 200]
    refused = _get(key, ATTACKER)
    assert refused.status_code == auth.RATE_LIMITED
    assert refused.json() == {"error": "Rate limit exceeded. Slow down and retry."}
    _retry_after(refused)


# Settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ADMIN_LOGIN_FAILURES", "ten", "ADMIN_LOGIN_FAILURES must be a whole number"),
        ("ADMIN_LOGIN_FAILURES", "0", "ADMIN_LOGIN_FAILURES must be a whole number"),
        ("ADMIN_LOGIN_COOLOFF_MINUTES", "15m", "ADMIN_LOGIN_COOLOFF_MINUTES must be a whole"),
        ("API_AUTH_FAILURE_RATE", "20 per minute", "API_AUTH_FAILURE_RATE must be a rate"),
        ("API_RATE", "60", "API_RATE must be a rate"),
    ],
)
def test_malformed_limits_refuse_to_start(name, value, message):
    result = subprocess.run(
        [sys.executable, "-c", "import statuspage.settings"],
        env={**os.environ, "DEBUG": "true", name: value},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
