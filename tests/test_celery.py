"""The Celery app as configured (embedded broker by default, Redis in CI) runs our tasks."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from incidents.tasks import HEARTBEAT_KEY, heartbeat
from statuspage.celery import app


def poll(check, timeout=30.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def worker():
    # Tasks queued by earlier tests (with no worker running) would run now, against their
    # long-gone data and beside this test's writes: start from an empty queue.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_worker_runs_the_heartbeat_through_the_configured_broker(worker):
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    assert poll(lambda: cache.get(HEARTBEAT_KEY))


def test_beat_schedules_the_heartbeat():
    entry = app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"] <= 60
