"""Debian's real Alertmanager posting to the site: an alert sent to Alertmanager's own API
reaches the integration's URL as Alertmanager's webhook sends it, marks the component down,
opens a draft for staff and mails nobody; its resolution brings the component back.

Alertmanager runs as a child process on a free port, with its own configuration and storage
under the test's temporary directory (no package service, no cluster), and posts to the live
test server. Where it is not installed the test is skipped, and fails under CI=true.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.db import OperationalError

from incidents.models import Component, ComponentStatus, Incident
from incidents.monitoring import services
from incidents.monitoring.models import Integration
from incidents.notifications.models import Delivery, Notification

from ..processes import ALERTMANAGER, PrometheusServer, missing, poll, prometheus_lacking

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Notifications go out within a second of a change; firing alerts are sent again every second
# too, as Alertmanager repeats them (slowed down here from hours), which must change nothing.
CONFIG = """
route:
  receiver: statuspage
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: statuspage
    webhook_configs:
      - url: {url}
        send_resolved: true
"""

# SQLite's shared in-memory test database answers "table is locked" while the live server's
# thread writes: only "not yet".
NOT_YET = (OperationalError,)


@pytest.fixture
def hook(live_server, settings) -> tuple[Integration, str]:
    """An Alertmanager integration made as staff make it, and the URL it was shown with."""
    settings.SITE_URL = live_server.url
    return services.integration_create(kind="alertmanager", name="Alertmanager", flap_interval_s=0)


@pytest.fixture
def alertmanager(tmp_path, hook) -> Iterator[PrometheusServer]:
    lacking = prometheus_lacking(ALERTMANAGER)
    if lacking:
        missing(lacking)
    _integration, url = hook
    server = PrometheusServer(ALERTMANAGER, tmp_path / "alertmanager", CONFIG.format(url=url))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def send(alertmanager: PrometheusServer, alert: dict) -> None:
    """An alert posted to Alertmanager's API, as Prometheus posts its alerts."""
    answer = requests.post(
        alertmanager.base + "/api/v2/alerts",
        data=json.dumps([alert]),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def status_of(component: Component) -> str:
    return Component.objects.values_list("status", flat=True).get(pk=component.pk)


def webhooks_sent(alertmanager: PrometheusServer) -> float:
    return alertmanager.counter("alertmanager_notifications_total", integration="webhook")


def test_an_alert_through_alertmanager_marks_the_component_down_and_its_end_restores_it(
    alertmanager, hook, billing, mailoutbox
):
    integration, _url = hook
    started = datetime.now(UTC) - timedelta(minutes=1)
    alert = {
        "labels": {"alertname": "BillingDown", "component": billing.public_id,
                   "severity": "critical"},
        "annotations": {"summary": "Card payments are failing"},
        "startsAt": rfc3339(started),
    }  # fmt: skip
    send(alertmanager, alert)
    poll(
        lambda: status_of(billing) == ComponentStatus.MAJOR_OUTAGE,
        30,
        what="Billing in major outage",
        not_yet=NOT_YET,
    )
    # Alertmanager repeats the firing alert; the site takes each repeat without a change.
    poll(lambda: webhooks_sent(alertmanager) >= 3, 30, what="three webhooks sent by Alertmanager")

    alert["endsAt"] = rfc3339(datetime.now(UTC) - timedelta(seconds=1))
    send(alertmanager, alert)
    poll(
        lambda: status_of(billing) == ComponentStatus.OPERATIONAL,
        30,
        what="Billing operational again",
        not_yet=NOT_YET,
    )
    # Every post was taken (Alertmanager counts a refusal or an error as a failure).
    assert alertmanager.counter("alertmanager_notifications_failed_total",
                                integration="webhook") == 0  # fmt: skip

    draft = Incident.with_drafts.get()
    assert draft.draft is True and draft.name == "Card payments are failing"
    assert list(draft.affected.values_list("component__name", "status")) == [
        ("Billing", ComponentStatus.MAJOR_OUTAGE),
    ]
    # A person decides what subscribers hear: nothing was mailed or queued for them.
    assert Notification.objects.count() == 0 and Delivery.objects.count() == 0
    assert mailoutbox == []
    integration.refresh_from_db()
    assert integration.last_error == "" and integration.last_received_at is not None
