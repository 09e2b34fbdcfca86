"""The send, against a real SMTP server: headers, parts, threads, errors, retries, once only."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from incidents import services as incident_services
from incidents.notifications.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationState,
    SubscriberState,
)
from incidents.notifications.services import delivery, notification_stop, subscriber_unsubscribe
from tests.conftest import utc

from .conftest import SITE


def start(notification: Notification) -> int:
    """What staff confirming does, minus the review: queue it and freeze the audience."""
    Notification.objects.filter(pk=notification.pk).update(
        state=NotificationState.QUEUED, confirmed_at=timezone.now()
    )
    return delivery.freeze_audience(notification.pk)


def test_a_notification_is_a_threaded_two_part_mail_with_one_click_unsubscribe(
    smtp, make_incident, make_subscriber, pods
):
    reader = make_subscriber("reader@example.com")
    incident = make_incident(
        name="Wrong payment banner",
        display_at=utc(2024, 3, 20, 20, 59),
        started_at=utc(2024, 3, 20, 19),
    )
    first = Notification.objects.get(incident=incident)
    assert first.kind == NotificationKind.INCIDENT_CREATED
    start(first)
    delivery.send_due(first.pk)
    update = incident_services.update_post(
        incident,
        status="identified",
        body="A **config** change.",
        display_at=utc(2024, 3, 20, 21, 28),
    )
    second = Notification.objects.get(update=update)
    start(second)
    delivery.send_due(second.pk)

    created, updated = (r.message for r in smtp.to(reader.email))
    assert created["Subject"] == "[Example Status] New incident: Wrong payment banner"
    assert updated["Subject"] == "[Example Status] Identified: Wrong payment banner"
    assert created["To"] == "reader@example.com"
    # One incident, one thread.
    assert updated["In-Reply-To"] == created["Message-ID"]
    assert updated["References"] == created["Message-ID"]
    assert updated["Message-ID"] != created["Message-ID"]
    # RFC 8058 one-click unsubscribe, over https, with the subscriber's signed token.
    unsubscribe = updated["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{SITE}/subscribe/unsubscribe/") and unsubscribe.endswith("/>")
    assert updated["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Text and HTML, with the UTC | PT stamp, the incident link and the manage link.
    text = updated.get_body(("plain",)).get_content()
    html = updated.get_body(("html",)).get_content()
    assert "March 20 - 21:28 UTC | 14:28 PT" in text
    assert "A config change." in text and "**" not in text  # plain text, not Markdown
    assert "A <strong>config</strong> change." in html
    assert f"{SITE}{incident.get_absolute_url()}" in text
    assert f"{SITE}/subscribe/manage/" in text and f'href="{SITE}/subscribe/manage/' in html
    assert unsubscribe[1:-1] in text


def test_each_recipient_gets_their_own_links(smtp, make_incident, make_subscriber):
    one, two = make_subscriber("one@example.com"), make_subscriber("two@example.com")
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    first, second = smtp.to(one.email)[0].message, smtp.to(two.email)[0].message
    assert first["List-Unsubscribe"] != second["List-Unsubscribe"]
    assert first["To"] == one.email and second["To"] == two.email


def test_a_language_without_translation_gets_english(smtp, make_incident, make_subscriber):
    make_subscriber("xx@example.com", language="xx")
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    received = smtp.to("xx@example.com")[0]
    assert '<html lang="en">' in received.html
    assert "New incident" in received.message["Subject"]


def test_one_smtp_connection_per_batch(smtp, settings, make_incident, make_subscriber):
    settings.NOTIFY_BATCH_SIZE = 4
    for _ in range(10):
        make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    assert start(notification) == 10
    result = delivery.send_due(notification.pk)
    assert result.sent == 10 and len(smtp.received) == 10
    assert smtp.connections == 3  # 4 + 4 + 2


def test_a_permanent_refusal_fails_that_delivery_only_and_is_not_retried(
    smtp, make_incident, make_subscriber
):
    make_subscriber("ok@example.com")
    gone = make_subscriber("gone@example.com")
    smtp.refuse["gone@example.com"] = "550 5.1.1 No such user"
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    result = delivery.send_due(notification.pk)
    assert (result.sent, result.failed, result.retried) == (1, 1, 0)
    failed = Delivery.objects.get(subscriber=gone)
    assert failed.state == DeliveryState.FAILED and "550" in failed.error
    assert failed.attempts == 1 and result.retry_at is None
    notification.refresh_from_db()
    assert notification.state == NotificationState.DONE
    assert smtp.addresses == ["ok@example.com"]


def test_a_transient_refusal_is_retried_with_backoff(smtp, make_incident, make_subscriber):
    busy = make_subscriber("busy@example.com")
    smtp.refuse["busy@example.com"] = "451 4.3.0 Try again later"
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    result = delivery.send_due(notification.pk)
    row = Delivery.objects.get(subscriber=busy)
    assert row.state == DeliveryState.QUEUED and "451" in row.error
    assert result.retried == 1 and result.retry_at == row.next_attempt_at
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: nothing happens.
    assert delivery.send_due(notification.pk).sent == 0
    del smtp.refuse["busy@example.com"]
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.send_due(notification.pk).sent == 1
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT and row.attempts == 2
    assert smtp.addresses == ["busy@example.com"]


def test_transient_errors_give_up_after_the_last_attempt(
    smtp, settings, make_incident, make_subscriber
):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    make_subscriber("busy@example.com")
    smtp.refuse["busy@example.com"] = "421 4.7.0 Busy"
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    delivery.send_due(notification.pk)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        result = delivery.send_due(notification.pk)
    assert result.failed == 1
    assert Delivery.objects.get().state == DeliveryState.FAILED


def test_an_unreachable_server_puts_the_batch_back(settings, make_incident, make_subscriber):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    result = delivery.send_due(notification.pk)
    assert result.retried == 1 and result.sent == 0
    assert Delivery.objects.get().state == DeliveryState.QUEUED


def test_running_everything_twice_sends_each_mail_once(smtp, make_incident, make_subscriber):
    for _ in range(3):
        make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    assert start(notification) == 3
    assert delivery.freeze_audience(notification.pk) is None  # already frozen
    delivery.send_due(notification.pk)
    delivery.send_due(notification.pk)
    assert Delivery.objects.count() == 3
    assert sorted(smtp.addresses) == sorted(set(smtp.addresses)) and len(smtp.addresses) == 3


def test_the_sweep_puts_back_deliveries_a_dead_worker_left_in_flight(
    smtp, make_incident, make_subscriber
):
    reader = make_subscriber("reader@example.com")
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    _claim, rows = delivery.claim_batch(notification.pk, 10)  # the worker dies here
    assert [r.subscriber_id for r in rows] == [reader.pk]
    assert delivery.send_due(notification.pk).sent == 0  # in flight: nobody else takes it
    assert delivery.sweep().requeued == 0  # not stuck yet
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        swept = delivery.sweep()
        assert swept.requeued == 1 and swept.to_send == [notification.pk]
        delivery.send_due(notification.pk)
    assert smtp.addresses == ["reader@example.com"]
    notification.refresh_from_db()
    assert notification.state == NotificationState.DONE


def test_the_sweep_restarts_a_confirmed_notification_whose_task_was_lost(make_incident, db):
    notification = Notification.objects.get(incident=make_incident())
    Notification.objects.filter(pk=notification.pk).update(
        state=NotificationState.QUEUED, confirmed_at=timezone.now()
    )
    assert delivery.sweep().to_start == []  # give the task its minute
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert delivery.sweep().to_start == [notification.pk]


def test_stop_sending_halts_the_rest(smtp, settings, make_incident, make_subscriber, manager_user):
    settings.NOTIFY_BATCH_SIZE = 2
    for _ in range(5):
        make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    _claim, rows = delivery.claim_batch(notification.pk, 2)
    delivery.send_batch(notification, rows, delivery.SendResult())
    notification_stop(notification, actor=manager_user)
    assert delivery.send_due(notification.pk).sent == 0
    states = sorted(Delivery.objects.values_list("state", flat=True))
    assert states == ["cancelled"] * 3 + ["sent"] * 2
    assert len(smtp.received) == 2
    notification.refresh_from_db()
    assert notification.state == NotificationState.STOPPED


def test_who_left_after_the_freeze_gets_nothing(smtp, make_incident, make_subscriber):
    stays, leaves = make_subscriber("stays@example.com"), make_subscriber("leaves@example.com")
    notification = Notification.objects.get(incident=make_incident())
    start(notification)
    subscriber_unsubscribe(leaves)
    delivery.send_due(notification.pk)
    assert smtp.addresses == [stays.email]
    assert Delivery.objects.get(subscriber=leaves).state == DeliveryState.CANCELLED


def test_header_injection_in_an_incident_name_stays_in_the_subject(
    smtp, make_incident, make_subscriber
):
    make_subscriber("reader@example.com")
    incident = make_incident(name="Outage\r\nBcc: victim@example.com")
    notification = Notification.objects.get(incident=incident)
    start(notification)
    delivery.send_due(notification.pk)
    (received,) = smtp.received
    assert received.envelope_to == ["reader@example.com"]
    assert received.message["Bcc"] is None
    assert (
        received.message["Subject"]
        == "[Example Status] New incident: Outage Bcc: victim@example.com"
    )


def test_pending_unsubscribed_and_bounced_subscribers_get_nothing(
    smtp, make_incident, make_subscriber
):
    make_subscriber("active@example.com")
    for state in (SubscriberState.PENDING, SubscriberState.UNSUBSCRIBED, SubscriberState.BOUNCED):
        make_subscriber(f"{state}@example.com", state=state)
    notification = Notification.objects.get(incident=make_incident())
    assert start(notification) == 1
    delivery.send_due(notification.pk)
    assert smtp.addresses == ["active@example.com"]
