"""The send survives its faults, with real processes: a Celery worker SIGKILLed in the middle
of a 10,000-recipient send, the SMTP server down for a while, the Redis broker restarted.
Every recipient gets the notification; duplicates only for messages in flight at a kill."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from incidents import services
from incidents.models import Component, ComponentGroup
from incidents.notifications.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationState,
    Subscriber,
    SubscriberState,
)
from incidents.notifications.services import notification_confirm, summarize
from incidents.notifications.services import notifications as notifications_service
from incidents.roles import SUPPORT_STAFF

from ..processes import poll
from .conftest import WORKER_SETTINGS, report

pytestmark = pytest.mark.django_db(transaction=True)
BATCH = int(WORKER_SETTINGS["NOTIFY_BATCH_SIZE"])


@pytest.fixture
def start_send(broker, monkeypatch, faults_settings):
    """Records a notification for `n` active subscribers and confirms it: the send starts."""

    def start(n: int) -> tuple[Notification, set[str]]:
        monkeypatch.setattr(
            notifications_service,
            "_enqueue_start",
            lambda notification: transaction.on_commit(
                lambda: broker.send("notifications.start", notification.pk)
            ),
        )
        group = services.group_save(ComponentGroup(name="Pods"))
        pod = services.component_save(Component(group=group, name="Pod 13"))
        Subscriber.objects.bulk_create(
            [
                Subscriber(email=f"r{i:05d}@example.com", state=SubscriberState.ACTIVE)
                for i in range(n)
            ],
            batch_size=5000,
        )
        incident = services.incident_create(
            name="Pod 13 is down", body="Investigating.", components={pod: "major_outage"}
        )
        notification = Notification.objects.get(incident=incident)
        staff = get_user_model().objects.create_user("oncall", is_staff=True)
        staff.groups.add(Group.objects.get(name=SUPPORT_STAFF))
        notification_confirm(
            notification, actor=staff, expected_count=summarize(notification).total
        )
        return notification, set(Subscriber.objects.values_list("email", flat=True))

    return start


def _done(notification: Notification) -> bool:
    return Notification.objects.get(pk=notification.pk).state == NotificationState.DONE


def _sweep(broker):
    """What beat does every minute, sooner: the sweep that puts back what a dead worker held."""
    return lambda: broker.send("notifications.sweep")


def _states(notification: Notification) -> dict[str, int]:
    rows = Delivery.objects.filter(notification=notification)
    return {state: rows.filter(state=state).count() for state in DeliveryState.values}


def test_worker_killed_mid_send_then_restarted(worker_process, smtp_sink, broker, start_send):
    notification, everyone = start_send(10_000)
    poll(lambda: len(smtp_sink.accepted()) >= 3_000, 90, what="3,000 mails accepted")
    worker_process.kill()  # SIGKILL: no shutdown, no acknowledgement, rows left "sending"
    in_flight = Delivery.objects.filter(
        notification=notification, state=DeliveryState.SENDING
    ).count()
    accepted_at_kill = len(smtp_sink.accepted())
    assert not _done(notification)
    assert in_flight <= BATCH, "one sender claims at most one batch"

    worker_process.start()
    # The beat's sweep puts back rows stuck in flight (NOTIFY_STUCK_AFTER) and restarts sends.
    poll(lambda: _done(notification), 120, what="the notification done", nudge=_sweep(broker))

    counts = smtp_sink.counts()
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    report(
        f"worker kill: {len(everyone)} recipients, {accepted_at_kill} accepted before the kill, "
        f"{in_flight} in flight at the kill, {duplicates} duplicates"
    )
    assert set(counts) == everyone, "every recipient got the notification"
    assert duplicates <= in_flight <= BATCH
    assert _states(notification)[DeliveryState.SENT] == len(everyone)


def test_smtp_down_for_a_while_then_back(worker_process, smtp_sink, start_send):
    notification, everyone = start_send(400)
    poll(lambda: len(smtp_sink.accepted()) >= 50, 60, what="50 mails accepted")
    smtp_sink.kill()
    # Transient failures are recorded and put back with a later attempt, not failed.
    retried = poll(
        lambda: list(
            Delivery.objects.filter(
                notification=notification, state=DeliveryState.QUEUED, attempts__gte=1
            ).exclude(error="")[:5]
        ),
        60,
        what="deliveries put back with an error and a later attempt",
    )
    for row in retried:
        assert row.next_attempt_at > row.claimed_at, "a retry waits (backoff)"
    marked_sent = set(
        Delivery.objects.filter(notification=notification, state=DeliveryState.SENT).values_list(
            "subscriber__email", flat=True
        )
    )
    assert marked_sent <= set(smtp_sink.accepted()), "sent only what the server accepted"
    assert _states(notification)[DeliveryState.FAILED] == 0

    smtp_sink.start()
    poll(lambda: _done(notification), 120, what="the notification done")
    counts = smtp_sink.counts()
    attempts = list(
        Delivery.objects.filter(notification=notification).values_list("attempts", flat=True)
    )
    report(
        f"smtp down: {len(everyone)} recipients, {sum(a > 1 for a in attempts)} needed a retry, "
        f"at most {max(attempts)} attempts, "
        f"{sum(n - 1 for n in counts.values())} duplicates"
    )
    assert set(counts) == everyone
    assert _states(notification)[DeliveryState.SENT] == len(everyone)
    assert max(attempts) >= 2
    # Backoff: a row tried n times waited 1 + 2 + ... seconds; none was hammered.
    assert max(attempts) < int(WORKER_SETTINGS["NOTIFY_MAX_ATTEMPTS"])


def test_broker_restarted_mid_send(worker_process, smtp_sink, redis_server, broker, start_send):
    notification, everyone = start_send(3_000)
    poll(lambda: len(smtp_sink.accepted()) >= 300, 60, what="300 mails accepted")
    # Redis crashes and comes back empty, and the worker with it: queued tasks are lost.
    redis_server.restart()
    worker_process.kill()
    in_flight = Delivery.objects.filter(
        notification=notification, state=DeliveryState.SENDING
    ).count()
    worker_process.start()
    poll(lambda: _done(notification), 120, what="the notification done", nudge=_sweep(broker))
    counts = smtp_sink.counts()
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    report(
        f"broker restart: {len(everyone)} recipients, {in_flight} in flight, "
        f"{duplicates} duplicates"
    )
    assert set(counts) == everyone
    assert duplicates <= in_flight <= BATCH


def test_worker_survives_a_broker_restart(
    worker_process, smtp_sink, redis_server, broker, start_send
):
    """The worker itself reconnects; the send it was running carries on, nothing twice."""
    notification, everyone = start_send(2_000)
    poll(lambda: len(smtp_sink.accepted()) >= 200, 60, what="200 mails accepted")
    redis_server.restart()
    poll(lambda: _done(notification), 120, what="the notification done", nudge=_sweep(broker))
    assert worker_process.alive
    counts = smtp_sink.counts()
    assert set(counts) == everyone
    assert max(counts.values()) == 1
