"""Staff review the audience, confirm, get approval when it is wide, stop, read the report."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.audit.models import AuditLog
from incidents.notifications.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationState,
    SubscriberState,
)


def review_url(notification) -> str:
    return reverse("admin:notifications_notification_change", args=[notification.pk])


@pytest.fixture
def sending(eager, smtp, django_capture_on_commit_callbacks):
    """Runs what a confirmation enqueues (freeze, then send) when the request commits."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def test_staff_see_the_audience_then_confirm_and_it_is_sent(
    support_client, sending, smtp, make_incident, make_subscriber, pods
):
    make_subscriber("all@example.com")
    make_subscriber("13@example.com", components=[pods["Pod 13"]])
    make_subscriber("17@example.com", components=[pods["Pod 17"]])
    notification = Notification.objects.get(incident=make_incident())
    page = support_client.get(review_url(notification))
    assert page.status_code == 200
    assert page.context["summary"].total == 2
    assert "Send to 2 recipients" in page.text
    assert "Pods / Pod 13" in page.text and "English (en)" in page.text
    assert smtp.received == []  # nothing before the confirmation
    response = sending(
        support_client, review_url(notification), {"action": "confirm", "expected_count": "2"}
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.state == NotificationState.DONE
    assert sorted(smtp.addresses) == ["13@example.com", "all@example.com"]
    report = support_client.get(review_url(notification)).context["report"]
    assert (report.recipients, report.sent, report.failed, report.pending) == (2, 2, 0, 0)
    entry = AuditLog.objects.get(action="notification.confirm")
    assert entry.actor.username == "support"
    assert entry.before["state"] == "awaiting_confirmation" and entry.after["state"] == "queued"


def test_a_changed_audience_must_be_reviewed_again(
    support_client, sending, smtp, make_incident, make_subscriber
):
    make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    support_client.get(review_url(notification))
    make_subscriber()  # someone confirmed meanwhile
    response = sending(
        support_client, review_url(notification), {"action": "confirm", "expected_count": "1"}
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.state == NotificationState.AWAITING_CONFIRMATION
    assert smtp.received == []


def test_a_wide_audience_waits_for_an_incident_manager(
    client, support_user, manager_user, sending, smtp, make_incident, make_subscriber, settings
):
    settings.NOTIFY_APPROVAL_THRESHOLD = 2
    for _ in range(3):
        make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    client.force_login(support_user)
    page = client.get(review_url(notification))
    assert "An incident manager must approve this send" in page.text
    sending(client, review_url(notification), {"action": "confirm", "expected_count": "3"})
    notification.refresh_from_db()
    assert notification.state == NotificationState.AWAITING_APPROVAL
    # Support staff cannot approve.
    assert "Approve and send" not in client.get(review_url(notification)).text
    response = client.post(review_url(notification), {"action": "approve", "expected_count": "3"})
    assert response.status_code == 403
    assert smtp.received == []
    client.force_login(manager_user)
    page = client.get(review_url(notification))
    assert "Approve and send to 3 recipients" in page.text
    sending(client, review_url(notification), {"action": "approve", "expected_count": "3"})
    notification.refresh_from_db()
    assert notification.state == NotificationState.DONE
    assert notification.approved_by == manager_user
    assert len(smtp.received) == 3
    assert AuditLog.objects.filter(action="notification.approve", actor=manager_user).exists()


def test_stop_sending_from_the_admin(support_client, make_incident, make_subscriber):
    for _ in range(3):
        make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    Notification.objects.filter(pk=notification.pk).update(state=NotificationState.QUEUED)
    from incidents.notifications.services import delivery

    delivery.freeze_audience(notification.pk)
    page = support_client.get(review_url(notification))
    assert "Stop sending" in page.text
    support_client.post(review_url(notification), {"action": "stop"})
    notification.refresh_from_db()
    assert notification.state == NotificationState.STOPPED
    assert set(Delivery.objects.values_list("state", flat=True)) == {"cancelled"}
    assert AuditLog.objects.filter(action="notification.stop").exists()


def test_staff_can_discard_a_notification_before_it_is_sent(support_client, make_incident):
    notification = Notification.objects.get(incident=make_incident())
    support_client.post(review_url(notification), {"action": "stop"})
    notification.refresh_from_db()
    assert notification.state == NotificationState.CANCELLED


def test_staff_without_the_role_and_anonymous_visitors_cannot_send(
    client, django_user_model, make_incident, make_subscriber
):
    make_subscriber()
    notification = Notification.objects.get(incident=make_incident())
    response = client.post(review_url(notification), {"action": "confirm", "expected_count": "1"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    intern = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    client.force_login(intern)
    response = client.post(review_url(notification), {"action": "confirm", "expected_count": "1"})
    assert response.status_code == 403
    notification.refresh_from_db()
    assert notification.state == NotificationState.AWAITING_CONFIRMATION


def test_the_audit_log_is_for_managers(client, support_user, manager_user, make_incident):
    url = reverse("admin:audit_auditlog_changelist")
    client.force_login(manager_user)
    assert client.get(url).status_code == 200
    client.force_login(support_user)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_managers_mark_a_subscriber_bounced(manager_client, make_subscriber):
    subscriber = make_subscriber()
    response = manager_client.post(
        reverse("admin:notifications_subscriber_changelist"),
        {"action": "mark_bounced", "_selected_action": [subscriber.pk]},
    )
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.BOUNCED
    entry = AuditLog.objects.get(action="subscriber.bounced")
    assert entry.before == {"state": "active"} and entry.after["state"] == "bounced"


def test_support_staff_cannot_change_subscribers(support_client, make_subscriber):
    subscriber = make_subscriber()
    support_client.post(
        reverse("admin:notifications_subscriber_changelist"),
        {"action": "mark_bounced", "_selected_action": [subscriber.pk]},
    )
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def _sent_notifications(count, subscribers):
    """`count` notifications whose audience was frozen: one sent, one failed, one queued."""
    notifications = Notification.objects.bulk_create(
        Notification(
            kind=NotificationKind.INCIDENT_UPDATED,
            state=NotificationState.SENDING,
            title=f"Update {index}",
            thread_key=f"thread-{index}",
            recipients=len(subscribers),
        )
        for index in range(count)
    )
    states = [DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.QUEUED]
    Delivery.objects.bulk_create(
        Delivery(notification=notification, subscriber=subscriber, state=state)
        for notification in notifications
        for subscriber, state in zip(subscribers, states, strict=True)
    )


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_the_notifications_list_counts_deliveries_without_a_query_per_row(
    support_client, make_subscriber
):
    subscribers = [make_subscriber() for _ in range(3)]
    _sent_notifications(3, subscribers)
    few = _changelist_queries(support_client)
    _sent_notifications(27, subscribers)
    many = _changelist_queries(support_client)
    assert many == few
    page = support_client.get(reverse("admin:notifications_notification_changelist"))
    assert page.content.decode().count("1 / 1 / 1") == 30
