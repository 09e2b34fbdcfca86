"""Publishing records the notification in its own transaction; nothing is sent yet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.notifications.models import Notification, NotificationKind, NotificationState


def test_each_kind_of_update_records_its_notification(make_incident):
    incident = make_incident()
    services.update_post(incident, status="identified", body="Found it.")
    services.incident_resolve(incident, body="Fixed.")
    kinds = list(Notification.objects.order_by("pk").values_list("kind", "state"))
    assert kinds == [
        (NotificationKind.INCIDENT_CREATED, NotificationState.AWAITING_CONFIRMATION),
        (NotificationKind.INCIDENT_UPDATED, NotificationState.AWAITING_CONFIRMATION),
        (NotificationKind.INCIDENT_RESOLVED, NotificationState.AWAITING_CONFIRMATION),
    ]
    assert all(n.thread_key == f"incident-{incident.public_id}"
               for n in Notification.objects.all())  # fmt: skip


def test_an_update_without_notify_records_nothing(make_incident):
    incident = make_incident(deliver_notifications=False)
    services.update_post(incident, status="identified", body="Quiet.", deliver_notifications=False)
    assert not Notification.objects.exists()


def test_a_backfilled_incident_records_nothing(make_incident):
    make_incident(backfilled=True)
    assert not Notification.objects.exists()


def test_a_rolled_back_update_leaves_no_notification(make_incident):
    incident = make_incident()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_post(incident, status="identified", body="Never published.")
        raise RuntimeError
    assert Notification.objects.count() == 1


def test_publishing_a_postmortem_records_its_notification(
    make_incident, manager_user, django_capture_on_commit_callbacks
):
    incident = make_incident()
    services.incident_resolve(incident, body="Fixed.")
    postmortem = services.postmortem_save_draft(incident, root_cause="A missing check.")
    with django_capture_on_commit_callbacks(execute=True):
        services.postmortem_publish(postmortem, actor=manager_user)
    notification = Notification.objects.get(kind=NotificationKind.POSTMORTEM_PUBLISHED)
    assert notification.incident == incident and notification.source == postmortem
    assert notification.created_by == manager_user


def test_scheduling_maintenance_records_its_notification(pods, django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.maintenance_schedule(
            name="Database upgrade",
            body="We upgrade the database of Pod 13.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            components=[pods["Pod 13"]],
        )
    notification = Notification.objects.get()
    assert notification.kind == NotificationKind.MAINTENANCE_SCHEDULED
    assert list(notification.components.all()) == [pods["Pod 13"]]
