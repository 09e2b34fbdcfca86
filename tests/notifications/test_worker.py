"""The whole pipeline in a real Celery worker, on the configured broker (Redis in CI)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import OperationalError

from incidents.notifications.models import Delivery, Notification, NotificationState
from incidents.notifications.services import notification_confirm, summarize
from incidents.notifications.tasks import send_notification, start_notification
from incidents.tasks import HEARTBEAT_KEY, heartbeat

from ..processes import poll

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def drain():
    """Waits until the worker got through everything queued so far (one queue, in order)."""
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    poll(lambda: cache.get(HEARTBEAT_KEY), what="the heartbeat queued after the other tasks")


def wait_until_done(notification: Notification) -> None:
    """Waits for the worker to finish the notification. SQLite's shared in-memory test
    database answers "table is locked" while the worker thread writes: only "not yet"."""
    poll(
        lambda: Notification.objects.get(pk=notification.pk).state == NotificationState.DONE,
        what=f"notification {notification.pk} done",
        not_yet=(OperationalError,),
    )


def test_a_confirmed_notification_is_sent_by_the_worker_exactly_once(
    worker, smtp, make_incident, make_subscriber, support_user
):
    for n in range(5):
        make_subscriber(f"reader{n}@example.com")
    notification = Notification.objects.get(incident=make_incident())
    notification_confirm(
        notification, actor=support_user, expected_count=summarize(notification).total
    )
    wait_until_done(notification)
    assert sorted(smtp.addresses) == [f"reader{n}@example.com" for n in range(5)]
    # The same tasks delivered again (a redelivery after a lost ack) send nothing more.
    start_notification.delay(notification.pk)
    send_notification.delay(notification.pk)
    drain()
    assert len(smtp.received) == 5
    assert Delivery.objects.filter(state="sent").count() == 5


def test_webhooks_go_out_through_the_worker_once_even_when_tasks_are_redelivered(
    worker, smtp, webhook_server, make_webhook, make_incident, make_subscriber, support_user
):
    make_subscriber("reader@example.com")
    make_webhook()
    notification = Notification.objects.get(incident=make_incident())
    notification_confirm(
        notification, actor=support_user, expected_count=summarize(notification).total
    )
    wait_until_done(notification)
    assert [h.event for h in webhook_server.received] == ["incident_created", "component_update"]
    assert smtp.addresses == ["reader@example.com"]
    start_notification.delay(notification.pk)
    send_notification.delay(notification.pk)
    drain()
    assert len(webhook_server.received) == 2
    assert Delivery.objects.filter(state="sent").count() == 2
