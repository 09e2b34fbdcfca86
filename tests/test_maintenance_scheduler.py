"""The beat task starts, completes and reminds on time, once, however many schedulers run."""

from datetime import timedelta

import pytest
import time_machine

from incidents import services
from incidents.models import Incident, IncidentUpdate
from incidents.tasks import maintenance_tick
from statuspage.celery import app
from tests.conftest import utc

START = utc(2024, 4, 6, 15, 30)
END = START + timedelta(hours=2)


@pytest.fixture
def maintenance(pods):
    with time_machine.travel(START - timedelta(days=3), tick=False):
        return services.maintenance_schedule(
            name="Pod 17 database upgrade",
            body="We will upgrade the database of Pod 17.",
            scheduled_for=START,
            scheduled_until=END,
            components=[pods["Pod 17"]],
        )


@pytest.fixture
def reminders(committed_events):
    """The maintenance whose reminder was announced, by pk, as their writes committed."""

    def announced():
        return [e.target.pk for e in committed_events if e.action == "maintenance.remind"]

    return announced


def tick_at(when, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        return maintenance_tick()


def state(maintenance, pods):
    maintenance.refresh_from_db()
    pods["Pod 17"].refresh_from_db()
    return maintenance.status, pods["Pod 17"].status


def test_beat_runs_the_tick_at_least_every_30_seconds():
    entry = app.conf.beat_schedule["maintenance-tick"]
    assert entry["task"] == maintenance_tick.name
    assert entry["schedule"] <= 30


def test_nothing_happens_before_the_start(maintenance, pods, django_capture_on_commit_callbacks):
    tick_at(START - timedelta(seconds=1), django_capture_on_commit_callbacks)
    assert state(maintenance, pods) == ("scheduled", "operational")


def test_starts_within_a_minute_of_the_start_and_completes_at_the_end(
    maintenance, pods, django_capture_on_commit_callbacks
):
    result = tick_at(START + timedelta(seconds=30), django_capture_on_commit_callbacks)
    assert result["started"] == [maintenance.public_id]
    assert state(maintenance, pods) == ("in_progress", "under_maintenance")
    assert maintenance.started_at == START + timedelta(seconds=30)

    tick_at(END - timedelta(seconds=1), django_capture_on_commit_callbacks)
    assert state(maintenance, pods) == ("in_progress", "under_maintenance")

    result = tick_at(END + timedelta(seconds=20), django_capture_on_commit_callbacks)
    assert result["completed"] == [maintenance.public_id]
    assert state(maintenance, pods) == ("completed", "operational")
    assert maintenance.resolved_at == END + timedelta(seconds=20)
    assert [u.status for u in maintenance.updates.all()] == [
        "scheduled",
        "in_progress",
        "completed",
    ]


def test_a_late_scheduler_starts_and_completes_in_one_tick(
    maintenance, pods, django_capture_on_commit_callbacks
):
    tick_at(END + timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert state(maintenance, pods) == ("completed", "operational")
    assert maintenance.started_at <= maintenance.resolved_at


def test_manual_maintenance_waits_for_staff(pods, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(days=1), tick=False):
        manual = services.maintenance_schedule(
            name="Manual", body="Announced.", scheduled_for=START, scheduled_until=END,
            components=[pods["Pod 13"]], auto_in_progress=False, auto_completed=False,
        )  # fmt: skip
    tick_at(START + timedelta(minutes=1), django_capture_on_commit_callbacks)
    manual.refresh_from_db()
    assert manual.status == "scheduled"
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        services.maintenance_start(manual)
    tick_at(END + timedelta(minutes=1), django_capture_on_commit_callbacks)
    manual.refresh_from_db()
    assert manual.status == "in_progress"


def test_two_schedulers_start_and_complete_once(
    maintenance, pods, committed_events, django_capture_on_commit_callbacks
):
    def started():
        return [e.target.pk for e in committed_events if e.action == "maintenance.start"]

    with time_machine.travel(START + timedelta(seconds=10), tick=False):
        # Scheduler A read the due list; scheduler B runs fully before A claims.
        seen_by_a = list(Incident.objects.upcoming().filter(scheduled_for__lte=START))
        with django_capture_on_commit_callbacks(execute=True):
            services.maintenance_run_due()
            late = services.maintenance_start(seen_by_a[0], automatic=True)
            services.maintenance_run_due()
    assert late is None
    assert started() == [maintenance.pk]
    assert maintenance.updates.filter(status="in_progress").count() == 1
    assert pods["Pod 17"].incidents.count() == 1

    with time_machine.travel(END + timedelta(seconds=10), tick=False):
        seen_by_a = list(Incident.objects.active_maintenance())
        services.maintenance_run_due()
        assert services.maintenance_complete(seen_by_a[0], automatic=True) is None
        assert services.maintenance_run_due() == ([], [])
    assert maintenance.updates.filter(status="completed").count() == 1
    assert IncidentUpdate.objects.count() == 3


def test_reminder_goes_out_once_an_hour_before(
    maintenance, reminders, django_capture_on_commit_callbacks, settings
):
    settings.STATUS_MAINTENANCE_REMINDER = 60
    tick_at(START - timedelta(minutes=61), django_capture_on_commit_callbacks)
    assert reminders() == []
    tick_at(START - timedelta(minutes=59, seconds=30), django_capture_on_commit_callbacks)
    assert reminders() == [maintenance.pk]
    tick_at(START - timedelta(minutes=59), django_capture_on_commit_callbacks)
    # A second scheduler with the stale list does not remind again.
    with (
        time_machine.travel(START - timedelta(minutes=58), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.maintenance_send_reminders() == []
    assert reminders() == [maintenance.pk]
    maintenance.refresh_from_db()
    assert maintenance.scheduled_reminded_at == START - timedelta(minutes=59, seconds=30)


def test_reminder_follows_the_setting(
    maintenance, reminders, django_capture_on_commit_callbacks, settings
):
    settings.STATUS_MAINTENANCE_REMINDER = 15
    tick_at(START - timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert reminders() == []
    tick_at(START - timedelta(minutes=14), django_capture_on_commit_callbacks)
    assert reminders() == [maintenance.pk]


def test_no_reminder_when_not_asked_for_or_announced_late(
    pods, reminders, django_capture_on_commit_callbacks
):
    with time_machine.travel(START - timedelta(days=1), tick=False):
        services.maintenance_schedule(
            name="Quiet", body="Announced.", scheduled_for=START, scheduled_until=END,
            remind_prior=False,
        )  # fmt: skip
    with time_machine.travel(START - timedelta(minutes=30), tick=False):
        services.maintenance_schedule(
            name="Late", body="Announced late.", scheduled_for=START, scheduled_until=END
        )
    tick_at(START - timedelta(minutes=10), django_capture_on_commit_callbacks)
    assert reminders() == []


def test_moving_the_window_allows_a_new_reminder(
    maintenance, reminders, django_capture_on_commit_callbacks
):
    tick_at(START - timedelta(minutes=30), django_capture_on_commit_callbacks)
    later = START + timedelta(days=1)
    with time_machine.travel(START - timedelta(minutes=20), tick=False):
        services.maintenance_edit(
            maintenance, scheduled_for=later, scheduled_until=later + timedelta(hours=1)
        )
    tick_at(later - timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert reminders() == [maintenance.pk, maintenance.pk]
