"""When a delivery that failed is tried again.

A permanent error is never retried. Any other waits a backoff that doubles from
NOTIFY_RETRY_BACKOFF up to BACKOFF_MAX, or the pause the other side asked for (a webhook's
Retry-After) when that is longer, up to NOTIFY_MAX_ATTEMPTS attempts (see `claims.retry_later`).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

BACKOFF_MAX = 3600  # seconds; the first retry waits NOTIFY_RETRY_BACKOFF, doubling


def backoff(attempts: int) -> timedelta:
    base = settings.NOTIFY_RETRY_BACKOFF
    return timedelta(seconds=min(BACKOFF_MAX, base * 2 ** max(0, attempts - 1)))


def wait(attempts: int, asked: float | None = None) -> timedelta:
    """The pause before the next attempt: the backoff, or what was asked when that is longer
    (never more than BACKOFF_MAX)."""
    pause = backoff(attempts)
    if asked is not None:
        pause = max(pause, timedelta(seconds=min(asked, BACKOFF_MAX)))
    return pause
