"""Heartbeats: an integration that goes quiet for longer than its heartbeat warns staff, on
the admin's banner while it lasts and by one email per silence; never on the public page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from incidents.audit.models import AuditLog
from incidents.monitoring import services
from incidents.monitoring.models import AlertState
from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF
from tests.conftest import utc

from .conftest import am_alert, am_payload, payload

NOW = utc(2024, 3, 20, 19, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(db):
    made = {}
    for username, role in [("ana", SUPPORT_STAFF), ("bo", INCIDENT_MANAGERS), ("cy", None)]:
        user = get_user_model().objects.create_user(
            username, email=f"{username}@example.com", password="pw", is_staff=True
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        made[username] = user
    return made


@pytest.fixture
def watched(make_integration, world):
    return make_integration(heartbeat_minutes=10, flap_interval_s=0)


def watchdog() -> dict:
    data = payload("alertmanager_firing")
    data["alerts"] = [a for a in data["alerts"] if a["labels"]["alertname"] == "Watchdog"]
    return data


def test_a_silence_warns_staff_once(watched, staff, mailoutbox, _frozen, support_client):
    integration, _path = watched
    _frozen.shift(timedelta(minutes=9, seconds=59))
    assert services.heartbeats_check() == []
    _frozen.shift(timedelta(seconds=1))
    assert services.heartbeats_check() == [integration]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.subject == "Monitoring silent: alertmanager test"
    assert sorted(mail.to) == ["ana@example.com", "bo@example.com"]  # the staff roles
    assert "has sent nothing since" in mail.body and "every 10 minutes" in mail.body
    # Once per silence, however long it lasts.
    _frozen.shift(timedelta(hours=5))
    assert services.heartbeats_check() == []
    assert len(mailoutbox) == 1
    assert AuditLog.objects.filter(action="integration.silent").count() == 1
    page = support_client.get("/admin/")
    assert "Monitoring integrations gone silent" in page.text


def test_the_watchdog_is_a_heartbeat_and_a_new_silence_warns_again(
    post, watched, staff, mailoutbox, _frozen, client
):
    integration, path = watched
    _frozen.shift(timedelta(minutes=11))
    services.heartbeats_check()
    assert len(mailoutbox) == 1
    assert post(path, watchdog()).status_code == 200
    assert AlertState.objects.count() == 0  # never an alert on a component
    assert services.heartbeats_check() == []
    _frozen.shift(timedelta(minutes=10))
    assert services.heartbeats_check() == [integration]
    assert len(mailoutbox) == 2
    assert "silent" not in client.get("/").text


def test_any_payload_read_counts_a_refused_one_does_not(post, watched, staff, mailoutbox, _frozen):
    _integration, path = watched
    _frozen.shift(timedelta(minutes=6))
    post(path, am_payload(am_alert()))
    _frozen.shift(timedelta(minutes=6))
    post(path, b"{")
    assert services.heartbeats_check() == []
    _frozen.shift(timedelta(minutes=4))
    assert len(services.heartbeats_check()) == 1


def test_an_integration_without_heartbeat_is_never_silent(
    make_integration, staff, mailoutbox, _frozen
):
    make_integration()
    _frozen.shift(timedelta(days=30))
    assert services.heartbeats_check() == []
    assert mailoutbox == []


def test_a_failed_send_is_tried_again(watched, staff, mailoutbox, _frozen, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    integration, _path = watched
    _frozen.shift(timedelta(minutes=11))

    def fail(self, messages):
        raise OSError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", fail)
        assert services.heartbeats_check() == []
    integration.refresh_from_db()
    assert integration.silence_warned_at is None
    assert services.heartbeats_check() == [integration]
    assert len(mailoutbox) == 1


def test_the_beat_task(watched, staff, mailoutbox, _frozen, eager):
    from incidents.monitoring.tasks import heartbeats

    integration, _path = watched
    _frozen.shift(timedelta(minutes=11))
    assert heartbeats.delay().get() == [integration.public_id]


def test_beat_schedules_both_tasks():
    from statuspage.celery import app

    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["monitoring.heartbeats"] <= 60
    assert schedule["monitoring.settle"] <= 30
    assert {"monitoring.heartbeats", "monitoring.settle"} <= set(app.tasks)
