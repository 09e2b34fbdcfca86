"""Metrics to draw and a fake Prometheus to poll."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from incidents.metrics import services
from incidents.metrics.models import Metric, MetricProvider, ProviderType


@pytest.fixture
def pushed(db) -> MetricProvider:
    """The provider of pushed data."""
    return services.provider_save(MetricProvider(type=ProviderType.SELF))


@pytest.fixture
def make_metric(pushed) -> Callable[..., Metric]:
    def make(name: str = "API latency", *, components=None, **fields) -> Metric:
        fields.setdefault("provider", pushed)
        return services.metric_save(Metric(name=name, **fields), components=components)

    return make


@pytest.fixture
def metric(make_metric) -> Metric:
    return make_metric(suffix="ms", decimal_places=1)


class FakePrometheus:
    """An HTTP server answering `GET /api/v1/query` as Prometheus does, with what the test
    sets: `answers[query] = (status, body)` or a value. `hold` keeps every answer waiting
    until released (a server that does not answer in time)."""

    def __init__(self):
        self.answers: dict[str, tuple[int, object] | float] = {}
        self.asked: list[dict[str, str]] = []
        self.hold = threading.Event()
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                fake.asked.append({"path": url.path, **params})
                if fake.hold.is_set():
                    fake.release.wait(10)
                answer = fake.answers.get(params.get("query", ""), (404, {"status": "error"}))
                if not isinstance(answer, tuple):
                    answer = (200, fake.vector(params.get("time"), answer))
                status, body = answer
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @staticmethod
    def vector(at, value) -> dict:
        return {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [{"metric": {"job": "api"}, "value": [float(at), str(value)]}],
            },
        }

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def prometheus():
    fake = FakePrometheus()
    fake.thread.start()
    yield fake
    fake.close()


@pytest.fixture
def polled(db, prometheus) -> MetricProvider:
    """A Prometheus provider pointed at the fake server."""
    return services.provider_save(
        MetricProvider(type=ProviderType.PROMETHEUS, base_url=prometheus.url)
    )
