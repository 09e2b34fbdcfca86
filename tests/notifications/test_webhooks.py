"""Webhook subscribers against a real HTTP server: signed Statuspage payloads, retries, giving
up, disabling, once only, and the same audience rule as email."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services as incident_services
from incidents.audit.models import AuditLog
from incidents.notifications.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationState,
    Subscriber,
    SubscriberMode,
    SubscriberState,
)
from incidents.notifications.services import delivery, subscriber_unsubscribe, summarize
from incidents.notifications.services.webhooks import (
    webhook_subscriber_create,
    webhook_subscriber_disable,
    webhook_subscriber_enable,
)

from .conftest import SITE
from .test_delivery import start


def verify(hook, secret: str) -> bool:
    """What a receiver does: recompute the signature over "<timestamp>.<body>"."""
    timestamp = hook.headers["X-Statuspage-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + hook.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(hook.headers["X-Statuspage-Signature"], f"sha256={expected}")


def later(minutes: int = 90):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes))


# Creating them.


def test_creating_returns_the_secret_once_and_the_subscriber_is_active_at_once(
    make_webhook, pods, webhook_server
):
    subscriber, secret = make_webhook(components=[pods["Pod 13"]])
    assert len(secret) >= 40
    subscriber.refresh_from_db()
    assert subscriber.mode == SubscriberMode.WEBHOOK
    assert subscriber.state == SubscriberState.ACTIVE
    assert subscriber.endpoint == webhook_server.url()
    assert subscriber.email == "" and str(subscriber) == webhook_server.url()
    assert len(subscriber.public_id) == 12 and subscriber.public_id.isalnum()
    assert list(subscriber.components.all()) == [pods["Pod 13"]]
    entry = AuditLog.objects.get(action="subscriber.webhook_create")
    assert secret not in str(entry.after) and entry.after["endpoint"] == webhook_server.url()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://hooks.example.com/x",  # plain http in production
        "https://user:pass@hooks.example.com/x",  # credentials in the URL
        "https://127.0.0.1/x",  # loopback
        "https://localhost/x",
        "https://[::1]/x",
        "https://10.1.2.3/x",  # private networks
        "https://192.168.0.10/x",
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://0.0.0.0/x",
        "ftp://93.184.215.14/x",
        "https://93.184.215.14/" + "x" * 2000,  # too long
        "https://93.184.215.14/x#fragment",
        "not a url",
        "",
    ],
)
def test_bad_endpoints_are_refused_and_nothing_is_created(settings, db, endpoint):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as caught:
        webhook_subscriber_create(endpoint=endpoint)
    assert "endpoint" in caught.value.message_dict
    assert not Subscriber.objects.exists() and not AuditLog.objects.exists()


def test_a_public_https_endpoint_is_accepted_once(settings, db):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    subscriber, _secret = webhook_subscriber_create(endpoint=" https://93.184.215.14/hook ")
    assert subscriber.endpoint == "https://93.184.215.14/hook"
    with pytest.raises(ValidationError):
        webhook_subscriber_create(endpoint="https://93.184.215.14/hook")
    # Once unsubscribed, the URL may be added again (with a new secret).
    subscriber_unsubscribe(subscriber)
    again, _secret = webhook_subscriber_create(endpoint="https://93.184.215.14/hook")
    assert again.pk != subscriber.pk


def test_unknown_components_are_refused(make_webhook, db):
    with pytest.raises(ValidationError):
        make_webhook(components=["Pod 13"])
    assert not Subscriber.objects.exists()


# What they receive.


def test_an_incident_is_posted_signed_in_statuspage_shape_with_its_component_update(
    client, smtp, webhook_server, make_webhook, make_incident, make_subscriber, pods
):
    subscriber, secret = make_webhook()
    make_subscriber("reader@example.com")
    incident = make_incident(name="Slow logins", body="We are **investigating**.")
    notification = Notification.objects.get(incident=incident)
    assert start(notification) == 2
    sent_at = timezone.now().replace(microsecond=0) + timedelta(seconds=5)
    with time_machine.travel(sent_at, tick=False):
        result = delivery.send_due(notification.pk)
    assert result.sent == 2
    assert smtp.addresses == ["reader@example.com"]  # same notification, same pipeline
    page_status = client.get("/api/v2/status.json").json()["status"]

    incident_hook, component_hook = webhook_server.received
    for hook in (incident_hook, component_hook):
        assert hook.headers["Content-Type"] == "application/json"
        assert verify(hook, secret)
        assert hook.headers["X-Statuspage-Timestamp"] == str(int(sent_at.timestamp()))
        assert hook.json["meta"]["unsubscribe"].startswith(f"{SITE}/subscribe/unsubscribe/")
        assert hook.json["meta"]["documentation"].startswith("https://")
        assert set(hook.json["page"]) == {"id", "status_indicator", "status_description"}
        assert hook.json["page"]["status_indicator"] == page_status["indicator"] == "major"
        assert hook.json["page"]["status_description"] == page_status["description"]
    assert incident_hook.event == "incident_created"
    body = incident_hook.json["incident"]
    assert body["id"] == incident.public_id and body["name"] == "Slow logins"
    assert body["status"] == "investigating" and body["impact"] == "major"  # a partial outage
    assert body["shortlink"] == f"{SITE}{incident.get_absolute_url()}"
    (update,) = body["incident_updates"]
    assert update["body"] == "We are **investigating**." and update["status"] == "investigating"
    assert update["incident_id"] == incident.public_id
    assert body["created_at"].endswith("Z")

    assert component_hook.event == "component_update"
    change = component_hook.json["component_update"]
    assert set(change) == {"created_at", "new_status", "old_status", "id", "component_id"}
    assert change["old_status"] == "operational" and change["new_status"] == "partial_outage"
    assert change["component_id"] == pods["Pod 13"].public_id
    component = component_hook.json["component"]
    assert component["id"] == pods["Pod 13"].public_id and component["name"] == "Pod 13"
    assert component["status"] == "partial_outage"
    # Each event has its own delivery id, the same on every retry.
    assert (
        incident_hook.headers["X-Statuspage-Delivery"]
        != (component_hook.headers["X-Statuspage-Delivery"])
    )
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.SENT and row.posted == 2


def test_a_tampered_body_or_an_old_signature_does_not_verify(
    webhook_server, make_webhook, make_incident
):
    _subscriber, secret = make_webhook()
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    hook = webhook_server.received[0]
    assert verify(hook, secret)
    hook.body = hook.body.replace(b"investigating", b"resolved")
    assert not verify(hook, secret)
    hook = webhook_server.received[0]
    hook.headers["X-Statuspage-Timestamp"] = "1"  # a replay with a forged time
    assert not verify(hook, secret) and not verify(webhook_server.received[1], "other secret")


def test_a_500_is_retried_with_backoff_then_succeeds(webhook_server, make_webhook, make_incident):
    subscriber, secret = make_webhook()
    webhook_server.script["/hook"] = [500]
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    result = delivery.send_due(notification.pk)
    assert result.retried == 1 and result.sent == 0
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.QUEUED and row.error == "HTTP 500: nope"
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=20)
    subscriber.refresh_from_db()
    assert subscriber.webhook_failures == 1 and subscriber.last_error == "HTTP 500: nope"
    assert delivery.send_due(notification.pk).sent == 0  # not due yet
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.send_due(notification.pk).sent == 1
    row.refresh_from_db()
    subscriber.refresh_from_db()
    assert row.state == DeliveryState.SENT and row.attempts == 2
    assert subscriber.webhook_failures == 0  # a success ends the run of failures
    first, retried, component = webhook_server.received
    assert (first.status, retried.status, component.status) == (500, 200, 200)
    assert first.headers["X-Statuspage-Delivery"] == retried.headers["X-Statuspage-Delivery"]
    assert verify(retried, secret)
    notification.refresh_from_db()
    assert notification.state == NotificationState.DONE


def test_a_retry_resumes_after_the_events_already_acknowledged(
    webhook_server, make_webhook, make_incident
):
    subscriber, _secret = make_webhook()
    webhook_server.script["/hook"] = [200, 503]  # the incident arrives, its component fails
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.QUEUED and row.posted == 1
    with later():
        delivery.send_due(notification.pk)
    assert [h.event for h in webhook_server.received] == [
        "incident_created",
        "component_update",
        "component_update",
    ]
    assert len(webhook_server.to(ok=True)) == 2


@pytest.mark.parametrize("status", [410, 400, 404, 301])
def test_a_4xx_is_permanent_for_that_delivery(webhook_server, make_webhook, make_incident, status):
    subscriber, _secret = make_webhook()
    webhook_server.script["/hook"] = [status]
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    result = delivery.send_due(notification.pk)
    assert (result.failed, result.retried, result.retry_at) == (1, 0, None)
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.FAILED and row.attempts == 1
    assert row.error.startswith(f"HTTP {status}")
    assert len(webhook_server.received) == 1  # nothing after the refusal
    subscriber.refresh_from_db()
    assert subscriber.webhook_failures == 1 and subscriber.state == SubscriberState.ACTIVE
    notification.refresh_from_db()
    assert notification.state == NotificationState.DONE


@pytest.mark.parametrize("status", [408, 429, 502])
def test_timeouts_rate_limits_and_5xx_are_transient(
    webhook_server, make_webhook, make_incident, status
):
    subscriber, _secret = make_webhook()
    webhook_server.script["/hook"] = [status]
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    assert delivery.send_due(notification.pk).retried == 1
    assert Delivery.objects.get(subscriber=subscriber).state == DeliveryState.QUEUED


@pytest.mark.parametrize(
    "status, asked, waits",
    [
        (429, "600", 600),  # longer than the backoff: the endpoint's pause wins
        (503, "Wed, 21 Oct 2015 07:28:00 GMT", None),  # a date gone by: the backoff
        (429, "86400", 3600),  # never more than the longest backoff
        (502, "600", None),  # Retry-After means nothing on a 502
    ],
)
def test_a_retry_waits_as_long_as_the_endpoint_asked(
    webhook_server, make_webhook, make_incident, settings, status, asked, waits
):
    settings.NOTIFY_RETRY_BACKOFF = 30
    subscriber, _secret = make_webhook()
    webhook_server.script["/hook"] = [(status, {"Retry-After": asked})]
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    tried_at = timezone.now()
    with time_machine.travel(tried_at, tick=False):
        assert delivery.send_due(notification.pk).retried == 1
    row = Delivery.objects.get(subscriber=subscriber)
    waited = (row.next_attempt_at - tried_at).total_seconds()
    assert waited == (waits or settings.NOTIFY_RETRY_BACKOFF)


def test_an_unreachable_endpoint_is_transient(settings, make_incident, db):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True
    subscriber, _secret = webhook_subscriber_create(endpoint="http://127.0.0.1:9/hook")
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    assert delivery.send_due(notification.pk).retried == 1
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.QUEUED and "refused" in row.error.lower()


def test_a_host_that_turned_private_is_not_posted_to(
    webhook_server, settings, make_webhook, make_incident
):
    subscriber, _secret = make_webhook()
    settings.WEBHOOK_ALLOW_PRIVATE = False  # as in production: 127.0.0.1 is off limits
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    assert delivery.send_due(notification.pk).failed == 1
    assert webhook_server.received == []
    assert "not a public address" in Delivery.objects.get(subscriber=subscriber).error


def test_repeated_failures_disable_the_subscriber_and_staff_see_why(
    webhook_server, settings, make_webhook, make_incident, pods
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    subscriber, _secret = make_webhook()
    webhook_server.script["/hook"] = [503] * 10
    first = Notification.objects.get(incident=make_incident())
    start(first)
    delivery.send_due(first.pk)
    with later(5):
        delivery.send_due(first.pk)
    subscriber.refresh_from_db()
    assert subscriber.webhook_failures == 2 and subscriber.state == SubscriberState.ACTIVE
    with later(30):
        delivery.send_due(first.pk)
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.DISABLED
    assert subscriber.disabled_at is not None
    assert "3 failed attempts in a row" in subscriber.disabled_reason
    assert "HTTP 503" in subscriber.disabled_reason
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.FAILED  # given up, not retried
    entry = AuditLog.objects.get(action="subscriber.webhook_disable")
    assert entry.actor is None and entry.after["state"] == "disabled"
    # Out of every audience until staff enable it.
    later_incident = make_incident(name="Another", components={pods["Pod 14"]: "major_outage"})
    assert summarize(Notification.objects.get(incident=later_incident)).total == 0
    assert len(webhook_server.received) == 3


def test_a_disabled_webhook_gets_nothing_queued_for_it_and_enabling_resets_it(
    webhook_server, make_webhook, make_incident, manager_user
):
    subscriber, _secret = make_webhook()
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    webhook_subscriber_disable(subscriber, actor=manager_user, reason="Maintenance of ours.")
    result = delivery.send_due(notification.pk)
    assert result.cancelled == 1 and webhook_server.received == []
    assert Delivery.objects.get(subscriber=subscriber).error == "Webhook disabled."
    Subscriber.objects.filter(pk=subscriber.pk).update(webhook_failures=7)
    subscriber = webhook_subscriber_enable(subscriber, actor=manager_user)
    assert subscriber.state == SubscriberState.ACTIVE and subscriber.webhook_failures == 0
    assert subscriber.disabled_reason == ""
    actions = list(AuditLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["subscriber.webhook_disable", "subscriber.webhook_enable"]
    # Enabling or disabling twice is harmless; email subscribers are not webhooks.
    assert webhook_subscriber_enable(subscriber).state == SubscriberState.ACTIVE


def test_disable_and_enable_refuse_email_subscribers(make_subscriber):
    reader = make_subscriber()
    with pytest.raises(ValidationError):
        webhook_subscriber_disable(reader)
    with pytest.raises(ValidationError):
        webhook_subscriber_enable(reader)


def test_a_task_run_twice_posts_once(webhook_server, make_webhook, make_incident):
    make_webhook()
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    assert delivery.freeze_audience(notification.pk) is None
    delivery.send_due(notification.pk)
    delivery.send_due(notification.pk)
    assert [h.event for h in webhook_server.received] == ["incident_created", "component_update"]


def test_the_secret_is_never_logged_nor_recorded(
    webhook_server, make_webhook, make_incident, caplog
):
    caplog.set_level(logging.DEBUG)
    subscriber, secret = make_webhook()
    webhook_server.script["/hook"] = [500, 404]
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    with later():
        delivery.send_due(notification.pk)
    subscriber.refresh_from_db()
    recorded = [
        caplog.text,
        subscriber.last_error,
        *Delivery.objects.values_list("error", flat=True),
        *(str(e.before) + str(e.after) for e in AuditLog.objects.all()),
    ]
    assert all(secret not in text for text in recorded)


def test_the_unsubscribe_link_of_a_payload_works(
    client, webhook_server, make_webhook, make_incident
):
    subscriber, _secret = make_webhook()
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    link = webhook_server.received[0].json["meta"]["unsubscribe"].removeprefix(SITE)
    assert client.post(link).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


# Who receives them: the same audience as email.


def test_webhooks_hear_of_the_components_they_follow_only(
    smtp, webhook_server, make_webhook, make_subscriber, make_incident, pods
):
    follows_13, _ = make_webhook("/13", components=[pods["Pod 13"]])
    follows_14, _ = make_webhook("/14", components=[pods["Pod 14"]])
    follows_all, _ = make_webhook("/all")
    make_subscriber("reader@example.com", components=[pods["Pod 13"]])
    smtp.refuse["reader@example.com"] = "550 No"  # mail is not what this test is about
    incident = make_incident(components={pods["Pod 13"]: "major_outage"})
    notification = Notification.objects.get(incident=incident)
    summary = summarize(notification)
    assert summary.total == 3
    assert dict((mode, n) for mode, _label, n in summary.by_mode) == {"email": 1, "webhook": 2}
    assert summary.by_language == [("en", "English", 1)]  # languages count emails only
    assert summary.all_components == 1
    assert dict(summary.by_component)["Pods / Pod 13"] == 2
    start(notification)
    delivery.send_due(notification.pk)
    assert {h.path for h in webhook_server.received} == {"/13", "/all"}
    assert not Delivery.objects.filter(subscriber=follows_14).exists()
    assert {follows_13.pk, follows_all.pk} <= set(
        Delivery.objects.values_list("subscriber", flat=True)
    )


def test_component_events_only_for_the_components_followed(
    webhook_server, make_webhook, make_incident, pods
):
    make_webhook("/13", components=[pods["Pod 13"]])
    make_webhook("/all")
    incident = make_incident(
        components={pods["Pod 13"]: "major_outage", pods["Pod 14"]: "partial_outage"}
    )
    notification = Notification.objects.get(incident=incident)
    start(notification)
    delivery.send_due(notification.pk)

    def components(path):
        return sorted(
            h.json["component"]["name"]
            for h in webhook_server.to(path)
            if h.event != "incident_created"
        )

    assert components("/13") == ["Pod 13"]
    assert components("/all") == ["Pod 13", "Pod 14"]


def test_an_update_without_component_changes_posts_the_incident_only(
    webhook_server, make_webhook, make_incident
):
    make_webhook()
    incident = make_incident()
    update = incident_services.update_post(incident, status="identified", body="Found it.")
    notification = Notification.objects.get(update=update)
    start(notification)
    delivery.send_due(notification.pk)
    (hook,) = webhook_server.received
    assert hook.event == "incident_updated"
    updates = hook.json["incident"]["incident_updates"]
    assert [u["status"] for u in updates] == ["identified", "investigating"]  # newest first


# DNS rebinding: the POST goes to the address that was checked.


def _resolver(monkeypatch, *answers: str):
    """Answers each lookup of hooks.example.test with the next address (the last one over and
    over), as a DNS server that changes its mind; returns the list of names looked up."""
    looked_up: list[str] = []
    queue = list(answers)

    def getaddrinfo(host, port, *args, **kwargs):
        looked_up.append(host)
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def test_a_host_is_resolved_once_per_post_and_its_checked_address_is_the_one_reached(
    webhook_server, monkeypatch, make_incident
):
    subscriber, _secret = webhook_subscriber_create(
        endpoint=f"http://hooks.example.test:{webhook_server.port}/hook"
    )
    # Asked again, the name would point somewhere else (nothing listens there).
    looked_up = _resolver(monkeypatch, "127.0.0.1", "10.255.255.1")
    notification = Notification.objects.get(incident=make_incident(components={}))
    start(notification)
    assert delivery.send_due(notification.pk).sent == 1
    (hook,) = webhook_server.received
    assert hook.headers["Host"] == f"hooks.example.test:{webhook_server.port}"
    assert looked_up == ["hooks.example.test"]
    assert Delivery.objects.get(subscriber=subscriber).state == DeliveryState.SENT


def test_a_name_that_rebinds_to_a_private_address_after_the_check_is_not_followed(
    webhook_server, settings, monkeypatch, make_incident
):
    subscriber, _secret = webhook_subscriber_create(
        endpoint=f"http://hooks.example.test:{webhook_server.port}/hook"
    )
    settings.WEBHOOK_ALLOW_PRIVATE = False  # as in production
    # The check sees a public address; a second lookup would answer our own 127.0.0.1, where
    # the test server listens. Connecting to the public address is refused here, offline.
    looked_up = _resolver(monkeypatch, "93.184.215.14", "127.0.0.1")
    connected = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        connected.append(address[0])
        if address[0] == "93.184.215.14":
            raise ConnectionRefusedError(111, "Connection refused")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    notification = Notification.objects.get(incident=make_incident(components={}))
    start(notification)
    assert delivery.send_due(notification.pk).retried == 1
    assert webhook_server.received == []  # the rebound answer was never used
    assert connected == ["93.184.215.14"] and looked_up == ["hooks.example.test"]
    row = Delivery.objects.get(subscriber=subscriber)
    assert row.state == DeliveryState.QUEUED and "refused" in row.error.lower()
