"""The ways a delivery goes out, one module each (as healthchecks' `hc/api/transports.py`).

A transport sends one batch of claimed delivery rows of one notification and records each
row's outcome at once through `services.claims`; the send (`services.delivery`) hands each
batch to the transport of its subscribers' mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Delivery, Notification


@dataclass
class SendResult:
    """What one send did so far, over all its batches."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    retry_at: datetime | None = None
    errors: list[str] = field(default_factory=list)


class TransportError(Exception):
    """One message not delivered. `permanent` when trying again would not help; `retry_after`
    (seconds) when the other side asked for a pause before the next try."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Transport:
    """Sends a notification's batches by one channel; one instance serves a whole send, so
    what every batch needs (a rendering, the payloads) can be built once."""

    def __init__(self, notification: Notification):
        self.notification = notification

    def notify(self, rows: list[Delivery], result: SendResult) -> None:
        """Sends the claimed `rows`, recording each outcome in the database and in `result`."""
        raise NotImplementedError
