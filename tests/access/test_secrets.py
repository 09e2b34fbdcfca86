"""API keys and subscriber tokens are never logged and never shown again after creation."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from incidents.api.models import ApiKey
from incidents.notifications import tokens
from incidents.notifications.models import Subscriber, SubscriberState
from statuspage.logging import redact


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_api_keys_are_not_logged_nor_shown_again(
    world, manager_user, manager_client, everything_logged
):
    out = io.StringIO()
    call_command("create_api_key", manager_user.username, stdout=out)
    command_key = out.getvalue().strip()
    response = manager_client.post("/admin/api/apikey/add/", {"name": "ci"}, follow=True)
    (admin_key,) = re.findall(r"copy it now, it is not shown again\): ([\w-]+)", response.text)
    assert ApiKey.objects.count() == 2
    v1 = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"
    for key in (command_key, admin_key):
        client = Client()
        assert client.get(f"{v1}/components", HTTP_AUTHORIZATION=f"OAuth {key}").status_code == 200
        assert client.get(f"{v1}/components?api_key={key}").status_code == 200
        # Refused requests are logged (django.request): with the path, never the key.
        client.get(f"{v1}/nothing?api_key={key}")
        client.get(f"/api/v1/pages/wrong/components?api_key={key}")
    ApiKey.objects.update(revoked_at="2024-01-01T00:00:00Z")
    Client().get(f"{v1}/components?api_key={command_key}")
    assert "Not Found" in everything_logged.text or "Unauthorized" in everything_logged.text
    pages = [
        "/admin/api/apikey/",
        *(f"/admin/api/apikey/{pk}/change/" for pk in ApiKey.objects.values_list("pk", flat=True)),
    ]
    for page in pages:
        html = manager_client.get(page).text
        for key in (command_key, admin_key):
            assert key not in html and key[8:] not in html, page
    for key in (command_key, admin_key):
        assert key not in everything_logged.text
        assert key[8:] not in everything_logged.text


def test_subscriber_tokens_are_not_logged_nor_shown_to_staff(
    world, manager_client, everything_logged
):
    subscriber = world.subscriber
    secrets = [subscriber.link_key]
    links = []
    for purpose, path in [(tokens.MANAGE, "manage"), (tokens.UNSUBSCRIBE, "unsubscribe")]:
        token = tokens.make_token(subscriber, purpose)
        secrets.append(token)
        links.append(f"/subscribe/{path}/{token}/")
    pending = Subscriber.objects.create(
        email="pending@example.com", state=SubscriberState.PENDING, confirm_nonce="n0nce-secret"
    )
    confirm = tokens.make_token(pending, tokens.CONFIRM)
    secrets += [pending.confirm_nonce, confirm]
    links.append(f"/subscribe/confirm/{confirm}/")
    client = Client()
    for link in links:
        client.get(link)
    for link in links:
        client.post(link)
    for link in links:  # now used, unsubscribed or gone: refused and logged as such
        assert client.get(link).status_code in (200, 400, 410)
        client.get(link[:-6] + "x/")  # truncated, refused with a 400
    assert "Bad Request" in everything_logged.text or "Gone" in everything_logged.text
    for secret in secrets:
        assert secret not in everything_logged.text
    staff_pages = [
        "/admin/notifications/subscriber/",
        f"/admin/notifications/subscriber/{subscriber.pk}/change/",
        f"/admin/notifications/subscriber/{pending.pk}/change/",
        "/admin/audit/auditlog/",
    ]
    for page in staff_pages:
        html = manager_client.get(page).text
        for secret in secrets:
            assert secret not in html, page


def test_redaction_keeps_the_rest_of_the_line():
    line = '"GET /subscribe/manage/abc.def:ghi/ HTTP/1.1" 200 and /x?q=1&api_key=SECRET&y=2'
    assert redact(line) == (
        '"GET /subscribe/manage/[redacted]/ HTTP/1.1" 200 and /x?q=1&api_key=[redacted]&y=2'
    )
    assert redact("Authorization: OAuth abcdefghijklmnopqrstuvwxyz") == (
        "Authorization: OAuth [redacted]"
    )
