"""The reminder before a maintenance starts, as subscribers and staff notice it: once, in the
reader's language, with the window; sent on its own only when staff confirmed the maintenance's
announcement for the same components, otherwise waiting for staff on the usual review."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from incidents import services
from incidents.notifications.models import Notification, NotificationKind, NotificationState
from incidents.notifications.selectors import waiting_notifications
from incidents.notifications.services import delivery, notification_confirm
from incidents.tasks import maintenance_tick
from tests.conftest import utc

START = utc(2024, 4, 6, 15, 30)
END = START + timedelta(hours=2)
# The first tick inside the reminder's lead (STATUS_MAINTENANCE_REMINDER, 60 minutes).
REMIND_AT = START - timedelta(minutes=59, seconds=30)
NAME = "Pod 17 database upgrade"
SUBJECT = f"[Example Status] Maintenance reminder: {NAME}"
SUBJECT_IT = f"[Example Status] Promemoria di manutenzione: {NAME}"
WINDOW = "April 6, 2024 - 15:30 UTC | 08:30 PT to 17:30 UTC | 10:30 PT"
WINDOW_IT = "6 aprile 2024 - 15:30 UTC | 08:30 PT \u2013 17:30 UTC | 10:30 PT"


@pytest.fixture
def run(eager, django_capture_on_commit_callbacks):
    """Runs `work` at `when`, then what its commit queues (the send), as a worker would."""

    def at(when, work, *args, **kwargs):
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return work(*args, **kwargs)

    return at


@pytest.fixture
def readers(make_subscriber, pods):
    return {
        "en": make_subscriber("reader@example.com", components=[pods["Pod 17"]]),
        "it": make_subscriber("lettore@example.com", components=[pods["Pod 17"]], language="it"),
        "elsewhere": make_subscriber("pod13@example.com", components=[pods["Pod 13"]]),
    }


@pytest.fixture
def maintenance(run, pods, readers):
    return run(
        START - timedelta(days=3),
        services.maintenance_schedule,
        name=NAME,
        body="We will upgrade the database of Pod 17.",
        scheduled_for=START,
        scheduled_until=END,
        components=[pods["Pod 17"]],
    )


@pytest.fixture
def announced(run, maintenance, support_user):
    """Staff confirmed the announcement, and it went out."""
    scheduled = Notification.objects.get(
        incident=maintenance, kind=NotificationKind.MAINTENANCE_SCHEDULED
    )
    run(
        START - timedelta(days=3) + timedelta(minutes=5),
        notification_confirm,
        scheduled,
        actor=support_user,
        expected_count=2,
    )
    return maintenance


def subjects(smtp, address: str) -> list[str]:
    return [r.message["Subject"] for r in smtp.to(address)]


def reminders_to(smtp, address: str, subject: str = SUBJECT):
    return [r for r in smtp.to(address) if r.message["Subject"] == subject]


def reminder_of(maintenance) -> Notification:
    return Notification.objects.get(
        incident=maintenance, kind=NotificationKind.MAINTENANCE_REMINDER
    )


def test_a_confirmed_maintenance_reminds_each_subscriber_once_in_their_language(
    smtp, run, announced, readers
):
    assert subjects(smtp, "reader@example.com") == [
        f"[Example Status] Scheduled maintenance: {NAME}"
    ]
    run(START - timedelta(minutes=61), maintenance_tick)
    assert len(smtp.received) == 2  # the announcement only: not yet in the lead

    run(REMIND_AT, maintenance_tick)
    (english,) = reminders_to(smtp, "reader@example.com")
    text = " ".join(english.text.split())  # the lead is written with a non-breaking space
    assert "This scheduled maintenance starts in about 59 minutes." in text
    assert f"Window: {WINDOW}" in text
    assert f"Window: {WINDOW}" in english.html
    assert "Pod 17" in text
    # The same thread as the announcement.
    (announcement,) = [r.message for r in smtp.to("reader@example.com") if r is not english]
    assert english.message["In-Reply-To"] == announcement["Message-ID"]

    (italian,) = reminders_to(smtp, "lettore@example.com", SUBJECT_IT)
    text_it = " ".join(italian.text.split())
    assert "Questa manutenzione programmata inizia tra circa 59 minuti." in text_it
    assert f"Finestra: {WINDOW_IT}" in text_it
    assert '<html lang="it">' in italian.html
    assert not reminders_to(smtp, "lettore@example.com")  # no English copy besides

    # Who follows another pod hears of neither.
    assert smtp.to("pod13@example.com") == []

    reminder = reminder_of(announced)
    assert reminder.state == NotificationState.DONE and reminder.recipients == 2
    assert reminder.confirmed_by is None  # nobody had to confirm it
    assert not waiting_notifications(announced).exists()

    # Later ticks, up to the start, send nothing more.
    for when in (REMIND_AT + timedelta(seconds=30), START - timedelta(seconds=1)):
        run(when, maintenance_tick)
    assert len(reminders_to(smtp, "reader@example.com")) == 1
    assert len(reminders_to(smtp, "lettore@example.com", SUBJECT_IT)) == 1
    assert len(smtp.received) == 4
    assert Notification.objects.filter(kind=NotificationKind.MAINTENANCE_REMINDER).count() == 1


def test_an_unconfirmed_announcement_leaves_the_reminder_waiting_for_staff(
    smtp, run, maintenance, support_client
):
    run(REMIND_AT, maintenance_tick)
    assert smtp.received == []
    waiting = list(waiting_notifications(maintenance))
    assert [n.kind for n in waiting] == [
        NotificationKind.MAINTENANCE_SCHEDULED,
        NotificationKind.MAINTENANCE_REMINDER,
    ]
    reminder = waiting[1]
    assert reminder.state == NotificationState.AWAITING_CONFIRMATION
    assert reminder.deliveries.count() == 0

    # Staff see it on the same review as every other send, and confirming sends it.
    review = support_client.get(reminder.get_absolute_url())
    assert review.status_code == 200
    assert review.context["subject"] == SUBJECT
    assert review.context["summary"].total == 2
    run(
        REMIND_AT + timedelta(minutes=2),
        support_client.post,
        reminder.get_absolute_url(),
        {"action": "confirm", "expected_count": "2"},
    )
    assert subjects(smtp, "reader@example.com") == [SUBJECT]
    assert subjects(smtp, "lettore@example.com") == [SUBJECT_IT]


def test_a_reminder_for_other_components_than_announced_waits(smtp, run, announced, pods):
    services.maintenance_set_components(announced, [pods["Pod 17"], pods["Pod 13"]])
    run(REMIND_AT, maintenance_tick)
    assert reminders_to(smtp, "pod13@example.com") == []
    assert reminder_of(announced) in waiting_notifications(announced)


def test_a_reminder_the_guard_holds_waits_for_a_manager(smtp, run, announced, settings):
    settings.NOTIFY_APPROVAL_THRESHOLD = 1
    run(REMIND_AT, maintenance_tick)
    assert len(smtp.received) == 2  # the announcement only
    reminder = reminder_of(announced)
    assert reminder.state == NotificationState.AWAITING_CONFIRMATION
    assert reminder in waiting_notifications(announced)


def test_a_webhook_subscriber_gets_the_reminder_event(
    smtp, run, maintenance, support_user, make_webhook, webhook_server, pods
):
    make_webhook(components=[pods["Pod 17"]])
    scheduled = Notification.objects.get(
        incident=maintenance, kind=NotificationKind.MAINTENANCE_SCHEDULED
    )
    run(START - timedelta(days=2), notification_confirm, scheduled, actor=support_user,
        expected_count=3)  # fmt: skip
    run(REMIND_AT, maintenance_tick)
    hooks = webhook_server.to(ok=True)
    assert [h.event for h in hooks] == ["maintenance_scheduled", "maintenance_reminder"]
    incident = hooks[1].json["incident"]
    assert incident["name"] == NAME
    assert incident["scheduled_for"].startswith("2024-04-06T15:30")
    # Sent once: the send's own helpers find nothing left to do.
    assert delivery.send_due(reminder_of(maintenance).pk).sent == 0
