"""Every send goes through the same review, and nothing that will tell subscribers waits
unseen: postmortems and maintenance steps lead to the review, the admin's home page lists what
waits, the review says what will be sent, and a double-clicked "Send" sends once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.notifications.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationState,
    Subscriber,
    SubscriberState,
)
from incidents.notifications.selectors import waiting_notifications

NOT_SENT_YET = "Nothing is sent until you confirm who will be told."
INDEX = "/admin/"


def subscribe(*emails, components=()):
    for email in emails:
        subscriber = Subscriber.objects.create(email=email, state=SubscriberState.ACTIVE)
        subscriber.components.set(components)


@pytest.fixture
def sending(eager, django_capture_on_commit_callbacks):
    """Runs what a confirmation enqueues (freeze the audience, then send) on commit."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


@pytest.fixture
def resolved_with_draft(make_incident):
    incident = make_incident(name="False payment banner")
    services.incident_resolve(incident, body="Fixed.")
    # The incident's own notifications were handled long ago.
    Notification.objects.update(state=NotificationState.DONE)
    return services.postmortem_save_draft(incident, root_cause="A missing check.")


@pytest.fixture
def maintenance(pods):
    scheduled = services.maintenance_schedule(
        name="Pod 17 upgrade", body="We will upgrade Pod 17.", components=[pods["Pod 17"]],
        scheduled_for=timezone.now() + timedelta(days=1),
        scheduled_until=timezone.now() + timedelta(days=1, hours=2),
    )  # fmt: skip
    Notification.objects.update(state=NotificationState.DONE)
    return scheduled


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_publishing_a_postmortem_leads_to_its_review(manager_client, resolved_with_draft):
    url = reverse("admin:incidents_postmortem_publish", args=[resolved_with_draft.pk])
    confirm_page = manager_client.get(url)
    assert NOT_SENT_YET in confirm_page.text
    response = manager_client.post(url)
    notification = Notification.objects.get(kind=NotificationKind.POSTMORTEM_PUBLISHED)
    assert response.status_code == 302
    assert response["Location"] == notification.get_absolute_url()
    review = manager_client.get(response["Location"])
    assert "The postmortem is published." in messages_of(review)
    assert any(NOT_SENT_YET in m for m in messages_of(review))
    assert "Postmortem published" in review.text
    subject = review.context["subject"]
    assert subject.endswith("Postmortem: False payment banner")
    assert subject in review.text
    # It was not sent on the way: it waits for this confirmation.
    notification.refresh_from_db()
    assert notification.state == NotificationState.AWAITING_CONFIRMATION


def test_reverting_a_postmortem_returns_to_it(manager_client, resolved_with_draft):
    services.postmortem_publish(resolved_with_draft)
    url = reverse("admin:incidents_postmortem_revert", args=[resolved_with_draft.pk])
    response = manager_client.post(url)
    assert response["Location"] == reverse(
        "admin:incidents_postmortem_change", args=[resolved_with_draft.pk]
    )


def test_a_maintenance_started_from_the_admin_leads_to_its_review(manager_client, maintenance):
    url = reverse("admin:incidents_maintenance_post_update", args=[maintenance.pk])
    response = manager_client.post(url, {"status": "in_progress", "deliver_notifications": "on"})
    notification = Notification.objects.get(kind=NotificationKind.MAINTENANCE_STARTED)
    assert response["Location"] == notification.get_absolute_url()
    review = manager_client.get(response["Location"])
    assert any(NOT_SENT_YET in m for m in messages_of(review))
    assert "Maintenance started" in review.text
    # The way back is the maintenance's admin page, not the incidents' nor the public page.
    assert review.context["incident_admin_url"] == reverse(
        "admin:incidents_maintenance_change", args=[maintenance.pk]
    )
    assert f'href="{review.context["incident_admin_url"]}"' in review.text


def test_scheduling_and_completing_a_maintenance_lead_to_their_reviews(manager_client, pods):
    start = timezone.now() + timedelta(days=2)
    response = manager_client.post(reverse("admin:incidents_maintenance_add"), {
        "name": "Pod 13 upgrade", "body": "We will upgrade Pod 13.",
        "scheduled_for": start.strftime("%Y-%m-%d %H:%M"),
        "scheduled_until": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "components": [pods["Pod 13"].pk], "deliver_notifications": "on",
    })  # fmt: skip
    scheduled = Notification.objects.get(kind=NotificationKind.MAINTENANCE_SCHEDULED)
    assert response["Location"] == scheduled.get_absolute_url()
    maintenance = scheduled.incident
    services.maintenance_start(maintenance)
    url = reverse("admin:incidents_maintenance_post_update", args=[maintenance.pk])
    response = manager_client.post(url, {"status": "completed", "deliver_notifications": "on"})
    completed = Notification.objects.get(kind=NotificationKind.MAINTENANCE_COMPLETED)
    assert response["Location"] == completed.get_absolute_url()


def test_a_maintenance_note_tells_nobody_and_returns_to_the_maintenance(
    manager_client, maintenance
):
    services.maintenance_start(maintenance)
    Notification.objects.update(state=NotificationState.DONE)
    url = reverse("admin:incidents_maintenance_post_update", args=[maintenance.pk])
    response = manager_client.post(url, {"status": "in_progress", "body": "Halfway there."})
    assert response["Location"] == reverse(
        "admin:incidents_maintenance_change", args=[maintenance.pk]
    )
    assert not waiting_notifications(maintenance).exists()


def test_the_admin_home_lists_what_waits_until_it_is_confirmed(
    support_client, sending, make_incident
):
    subscribe("reader@example.com")
    incident = make_incident(name="Slow logins")
    notification = Notification.objects.get(incident=incident)
    home = support_client.get(INDEX)
    box = re.search(r'<div class="module waiting-sends".*?</div>', home.text, re.S).group()
    assert "New incident: Slow logins" in box
    assert f'href="{notification.get_absolute_url()}"' in box
    incident_admin = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert f'href="{incident_admin}"' in box
    assert "Awaiting confirmation" in box
    sending(
        support_client,
        notification.get_absolute_url(),
        {"action": "confirm", "expected_count": "1"},
    )
    home = support_client.get(INDEX)
    assert notification.get_absolute_url() not in home.text
    assert "Nothing is waiting" in home.text


def test_a_send_waiting_for_approval_stays_listed(manager_client, make_incident, settings):
    settings.NOTIFY_APPROVAL_THRESHOLD = 1
    subscribe("a@example.com", "b@example.com")
    notification = Notification.objects.get(incident=make_incident())
    manager_client.post(
        notification.get_absolute_url(), {"action": "confirm", "expected_count": "2"}
    )
    notification.refresh_from_db()
    assert notification.state == NotificationState.AWAITING_APPROVAL
    home = manager_client.get(INDEX)
    assert notification.get_absolute_url() in home.text
    assert "Awaiting a manager&#x27;s approval" in home.text


def test_staff_who_cannot_send_do_not_get_the_list(client, django_user_model, make_incident):
    make_incident()
    intern = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    client.force_login(intern)
    home = client.get(INDEX)
    assert home.status_code == 200
    assert "waiting-sends" not in home.text


def test_the_selector_lists_waiting_sends_oldest_first_by_incident(make_incident):
    first = make_incident(name="First")
    second = make_incident(name="Second")
    services.update_post(first, status="identified", body="Found it.")
    assert [n.title for n in waiting_notifications()] == ["First", "Second", "First"]
    assert [n.incident for n in waiting_notifications(second)] == [second]
    Notification.objects.filter(incident=second).update(state=NotificationState.CANCELLED)
    assert not waiting_notifications(second).exists()


def test_the_review_counts_recipients_in_words_and_links_the_admin_incident(
    support_client, sending, make_incident, pods
):
    subscribe("only@example.com")
    incident = make_incident(name="Slow logins")
    notification = Notification.objects.get(incident=incident)
    review = support_client.get(notification.get_absolute_url())
    assert "Sending to 1 recipient once you confirm." in review.text
    assert 'value="Send to 1 recipient"' in review.text
    assert "1 recipients" not in review.text
    incident_admin = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert f'<a class="incident-admin-link" href="{incident_admin}">Slow logins</a>' in review.text
    assert review.text.count("View on status page") == 1
    assert f'href="{incident.get_absolute_url()}">View on status page' in review.text

    subscribe("second@example.com", components=[pods["Pod 13"]])
    review = support_client.get(notification.get_absolute_url())
    assert "Sending to 2 recipients once you confirm." in review.text
    assert 'value="Send to 2 recipients"' in review.text
    response = sending(
        support_client,
        notification.get_absolute_url(),
        {"action": "confirm", "expected_count": "2"},
    )
    page = support_client.get(response["Location"])
    assert "Sending to 2 recipients." in messages_of(page)
    assert "Sent to 2 recipients." in page.text


def test_two_identical_confirmations_send_once(support_client, sending, make_incident):
    subscribe("one@example.com", "two@example.com")
    notification = Notification.objects.get(incident=make_incident())
    url = notification.get_absolute_url()
    review = support_client.get(url)
    # The buttons are disabled after the first click by a script file (the policy allows no
    # inline script).
    assert "incidents/admin/send_once.js" in review.text
    assert finders.find("incidents/admin/send_once.js")
    assert 'class="send-once"' in review.text
    data = {"action": "confirm", "expected_count": "2"}
    first = sending(support_client, url, data)
    second = sending(support_client, url, data)
    assert first["Location"] == second["Location"] == url
    deliveries = Delivery.objects.filter(notification=notification)
    assert deliveries.count() == 2
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert sorted(deliveries.values_list("attempts", flat=True)) == [1, 1]
    page = support_client.get(url)
    notes = messages_of(page)
    assert any("already confirmed" in note and "Sent" in note for note in notes)
    assert not any("not awaiting confirmation" in note for note in notes)
    assert page.context["notification"].state == NotificationState.DONE
    assert '<span id="notification-state">Sent</span>' in page.text
    assert 'value="Send to' not in page.text


def test_support_staff_who_cannot_publish_are_told_the_send_waits(
    support_client, support_user, make_incident
):
    """Posting an update as someone without the send permission: the update is out, its
    notification waits, and the page says so."""
    from django.contrib.auth.models import Permission

    support_user.user_permissions.remove(*Permission.objects.filter(codename="send_notification"))
    support_user.groups.first().permissions.remove(
        *Permission.objects.filter(codename="send_notification")
    )
    incident = make_incident()
    url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    response = support_client.post(
        url, {"status": "identified", "body": "Found it.", "deliver_notifications": "on"}
    )
    assert response["Location"] == reverse("admin:incidents_incident_change", args=[incident.pk])
    page = support_client.get(response["Location"])
    assert any(NOT_SENT_YET in m and "home page" in m for m in messages_of(page))
