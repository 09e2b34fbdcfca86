"""Real parts: an SMTP server (aiosmtpd) on a free local port, parsed as a mail client would,
and an HTTP server that receives webhooks."""

from __future__ import annotations

import email
import json
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from incidents.notifications.models import Subscriber, SubscriberState

from ..processes import free_port

SITE = "https://status.example.com"


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class SmtpSink:
    """Accepts every message, except addresses told to fail with a given reply."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]

    @property
    def addresses(self) -> list[str]:
        return [a for r in self.received for a in r.envelope_to]


@pytest.fixture
def smtp(settings):
    """A real SMTP server; MAILERS points at it, links in mails use an https SITE_URL."""
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    settings.SITE_URL = SITE
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def make_subscriber(db):
    counter = iter(range(1_000_000))

    def make(
        email=None,
        *,
        components=(),
        incidents=(),
        incidents_only=False,
        state=SubscriberState.ACTIVE,
        language="en",
    ):
        subscriber = Subscriber.objects.create(
            email=email or f"reader{next(counter)}@example.com",
            state=state,
            language=language,
            incidents_only=incidents_only,
        )
        subscriber.components.set(components)
        subscriber.incidents.set(incidents)
        return subscriber

    return make


@dataclass
class Hook:
    """One POST the webhook server received."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return self.headers["X-Statuspage-Event"]


@dataclass
class WebhookSink:
    """Answers each POST with the next status scripted for its path (200 once none is left)."""

    port: int = 0
    received: list[Hook] = field(default_factory=list)
    script: dict[str, list[int | tuple[int, dict[str, str]]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str) -> tuple[int, dict[str, str]]:
        """The next scripted answer: a status, or (status, headers)."""
        with self.lock:
            queue = self.script.get(path)
            answer = queue.pop(0) if queue else 200
        return answer if isinstance(answer, tuple) else (answer, {})

    def to(self, path: str = "/hook", *, ok: bool = False) -> list[Hook]:
        return [h for h in self.received if h.path == path and (not ok or h.status < 300)]


class _HookHandler(BaseHTTPRequestHandler):
    sink: WebhookSink

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, headers = self.sink.answer(self.path)
        with self.sink.lock:
            self.sink.received.append(Hook(self.path, dict(self.headers.items()), body, status))
        payload = b"ok" if status < 300 else b"nope"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def webhook_server(settings):
    """A real HTTP server on 127.0.0.1 (allowed for webhooks, as in local testing)."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT = 5
    settings.SITE_URL = SITE
    sink = WebhookSink()
    handler = type("Handler", (_HookHandler,), {"sink": sink})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def make_webhook(db, webhook_server):
    """A webhook subscriber created through the service; returns (subscriber, secret)."""
    from incidents.notifications.services.webhooks import webhook_subscriber_create

    def make(path="/hook", *, components=()):
        return webhook_subscriber_create(endpoint=webhook_server.url(path), components=components)

    return make
