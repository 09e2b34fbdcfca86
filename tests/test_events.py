"""The one event path: each write announces one event; the audit entry and the notification
are recorded with the write, the caches and translations follow its commit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents import events, services
from incidents.audit.models import AuditLog
from incidents.notifications.models import Notification
from incidents.notifications.services import notification_confirm, summarize


def test_one_write_announces_one_event_with_its_update(
    pods, support_user, committed_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_create(
            name="Checkout errors on Pod 14",
            body="We are looking into failed checkouts.",
            components={pods["Pod 14"]: "partial_outage"},
            actor=support_user,
        )
    assert [e.action for e in committed_events] == ["incident.create"]
    event = committed_events[0]
    assert event.target == incident and event.actor == support_user
    assert event.update == incident.updates.get()
    assert event.after["components"] == {"Pod 14": ["operational", "partial_outage"]}
    assert AuditLog.objects.filter(action="incident.create").count() == 1


def test_services_return_the_notification_they_recorded(pods, make_incident, manager_user):
    incident = make_incident(name="Slow search")
    assert incident.notification == Notification.objects.get(incident=incident)
    update = services.update_post(incident, status="identified", body="Found it.")
    assert update.notification == Notification.objects.get(update=update)
    quiet = services.update_post(
        incident, status="monitoring", body="Watching.", deliver_notifications=False
    )
    assert quiet.notification is None
    services.incident_resolve(incident, body="Fixed.")
    postmortem = services.postmortem_save_draft(incident, root_cause="A full disk.")
    published = services.postmortem_publish(postmortem, actor=manager_user)
    assert published.notification.kind == "postmortem_published"
    assert published.notification.incident == incident
    now = timezone.now()
    maintenance = services.maintenance_schedule(
        name="Pod 17 upgrade",
        body="We will upgrade Pod 17.",
        scheduled_for=now + timedelta(days=1),
        scheduled_until=now + timedelta(days=1, hours=1),
        components=[pods["Pod 17"]],
    )
    assert maintenance.notification.kind == "maintenance_scheduled"


def test_a_write_that_rolls_back_leaves_no_entry_no_notification_and_no_announcement(
    pods, committed_events, django_capture_on_commit_callbacks
):
    entries = AuditLog.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.incident_create(name="Never", body="Rolled back.")
        raise RuntimeError("the caller failed after the service")
    assert committed_events == []
    assert AuditLog.objects.count() == entries
    assert not Notification.objects.exists()


def test_a_refused_write_announces_nothing(pods, committed_events):
    entries = AuditLog.objects.count()
    with pytest.raises(ValidationError):
        services.incident_create(name="Bad", body="x", status="exploded")
    assert committed_events == [] and AuditLog.objects.count() == entries


def test_a_failing_listener_is_logged_and_the_write_stands(
    pods, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    calls = []

    def broken(event):
        calls.append(event.action)
        raise ConnectionError("cache down")

    monkeypatch.setattr(events, "_listeners", [(broken, False), *events._listeners])
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_create(name="Still saved", body="Written.")
    assert calls == ["incident.create"]
    assert "broken failed after incident.create" in caplog.text
    assert incident.pk and AuditLog.objects.filter(action="incident.create").exists()


def test_staff_only_changes_are_audited_but_leave_the_public_pages_cached(
    client, pods, make_incident, support_user, django_capture_on_commit_callbacks
):
    """A notification step is not public: the cached status page is not rebuilt for it."""
    incident = make_incident(name="Slow search")
    first = client.get("/")
    assert first.status_code == 200
    notification = incident.notification
    with django_capture_on_commit_callbacks(execute=True):
        notification_confirm(
            notification, actor=support_user, expected_count=summarize(notification).total
        )
    assert AuditLog.objects.filter(action="notification.confirm").exists()
    again = client.get("/")
    assert again["X-Cache"] == "HIT"
