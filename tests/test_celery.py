"""The Celery app as configured (embedded broker by default, Redis in CI) runs our tasks."""

from django.core.cache import cache

from incidents.tasks import HEARTBEAT_KEY, heartbeat
from statuspage.celery import app

from .processes import poll


def test_worker_runs_the_heartbeat_through_the_configured_broker(worker):
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    assert poll(lambda: cache.get(HEARTBEAT_KEY), what="the heartbeat the worker writes")


def test_beat_schedules_the_heartbeat():
    entry = app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"] <= 60
