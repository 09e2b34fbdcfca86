"""Webhooks: each claimed row's events POSTed in turn, to the address that was checked.

A row is sent once every event got a 2xx; a retry resumes after the events already
acknowledged. The host is resolved once per POST, every answer checked (`check_host`), and the
connection made to a checked address while the Host header, TLS SNI and certificate check name
the host: a second lookup, which a hostile DNS server could answer with an address inside our
network (DNS rebinding), never happens.
"""

from __future__ import annotations

import functools
import http.client
import socket
import ssl
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings

from .. import webhooks
from ..models import Delivery, DeliveryState, Subscriber
from ..services import claims
from ..services.webhooks import (
    UnsafeAddress,
    resolve,
    webhook_record_failure,
    webhook_record_success,
)
from . import SendResult, Transport, TransportError

MAX_ERROR_BODY = 200


class WebhookTransport(Transport):
    def notify(self, rows: list[Delivery], result: SendResult) -> None:
        """POSTs each claimed row's events, resuming after those already acknowledged.

        A transient failure puts the row back with a backoff (from the event that failed), a
        permanent one fails it; both count against the subscriber, who is disabled after
        WEBHOOK_DISABLE_AFTER failures in a row.
        """
        events = webhooks.events_for(self.notification)
        for delivery in claims.to_send(self.notification.pk, rows, result):
            subscriber = delivery.subscriber
            followed = set(subscriber.components.values_list("pk", flat=True))
            mine = webhooks.events_for_subscriber(events, followed)
            error = None
            for number, event in enumerate(mine[delivery.posted :], start=delivery.posted):
                try:
                    post(subscriber, event, f"{delivery.pk}-{number}")
                except TransportError as failure:
                    error = failure
                    break
                claims.acknowledged(delivery, number + 1)
            if error is None:
                webhook_record_success(subscriber.pk)
                claims.finish(delivery, DeliveryState.SENT)
                result.sent += 1
            else:
                disabled = webhook_record_failure(subscriber.pk, str(error))
                claims.record_error(delivery, error, result, give_up=disabled)
                result.errors.append(str(error))
            claims.keep_claimed(delivery.claim)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (RFC 9110 10.2.3: seconds or an HTTP date);
    None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def post(subscriber: Subscriber, event: webhooks.Event, delivery_id: str) -> int:
    """POSTs one event, signed; returns the status code, or raises TransportError.

    Timeouts, lost connections, 408, 429 and 5xx are transient (a 429 or 503 with Retry-After
    says how long to wait); other answers, redirects included (never followed: they could lead
    inside our network), are permanent for this delivery, and so is a host that is or resolves
    to an address we do not post to. Error texts name the status and a little of the body,
    never the secret.
    """
    body = webhooks.body_for(event, subscriber)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Statuspage-Webhook/1 (+{settings.SITE_URL})",
        webhooks.EVENT_HEADER: event.kind,
        webhooks.DELIVERY_HEADER: delivery_id,
        webhooks.TIMESTAMP_HEADER: timestamp,
        webhooks.SIGNATURE_HEADER: webhooks.sign(subscriber.webhook_secret, timestamp, body),
        "Connection": "close",
    }
    parts = urlsplit(subscriber.endpoint)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection = _pinned_connection(parts.scheme.lower(), parts.hostname or "", parts.port)
    except UnsafeAddress as error:
        raise TransportError(str(error), permanent=True) from None
    except (OSError, ValueError) as error:
        raise TransportError(f"{type(error).__name__}: {error}") from None
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        code = response.status
        if 200 <= code < 300:
            response.read(1024)
            return code
        try:
            snippet = response.read(MAX_ERROR_BODY).decode("utf-8", "replace")
        except Exception:
            snippet = ""
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise TransportError(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()
    message = f"HTTP {code}" + (f": {' '.join(snippet.split())}" if snippet.strip() else "")
    permanent = not (code >= 500 or code in (408, 429))
    wait = retry_after(response.getheader("Retry-After")) if code in (429, 503) else None
    raise TransportError(message, permanent=permanent, retry_after=wait)


def _pinned_connection(scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
    """A connection to `host` that will connect to the addresses checked now (see `resolve`)."""
    secure = scheme == "https"
    port = port or (http.client.HTTPS_PORT if secure else http.client.HTTP_PORT)
    addresses = resolve(host, port)
    kind = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    return kind(host, port, addresses=addresses, timeout=settings.WEBHOOK_TIMEOUT)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to one of the given addresses, never to what the host name resolves to now;
    the Host header still names the host."""

    def __init__(self, host: str, port: int, *, addresses: list, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS: SNI and the certificate check are for the host name, not the IP."""

    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        self.sock = _tls().wrap_socket(self.sock, server_hostname=self.host)


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()  # verifies the certificate and its host name


def _connect(addresses: list, timeout: float) -> socket.socket:
    """A TCP connection to the first address that answers, in the resolver's order (as
    socket.create_connection does, without resolving anything again)."""
    error: OSError = OSError("no address to connect to")
    for family, kind, proto, _name, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as failure:
            sock.close()
            error = failure
            continue
        return sock
    raise error
