"""The LibreTranslate backend against a local server that speaks its HTTP API, and the task
that fills missing translations after publishing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from incidents import services
from incidents.machine_translation import LibreTranslate, TranslationError, get_backend
from incidents.models import Translation

API_KEY = "secret-key"


class LibreTranslateHandler(BaseHTTPRequestHandler):
    """POST /translate {q, source, target, format, api_key} -> {"translatedText": ...}."""

    requests: list[dict] = []
    fail_with: int | None = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        payload = json.loads(self.rfile.read(length) or b"{}")
        type(self).requests.append(payload)
        if self.path != "/translate":
            return self._answer(404, {"error": "Not found"})
        if type(self).fail_with:
            return self._answer(type(self).fail_with, {"error": "Slow down"})
        if payload.get("api_key") != API_KEY:
            return self._answer(403, {"error": "Invalid API key"})
        if payload.get("source") != "en" or not payload.get("target"):
            return self._answer(400, {"error": "Unsupported language"})
        return self._answer(200, {"translatedText": f"<{payload['target']}> {payload['q']}"})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    LibreTranslateHandler.requests = []
    LibreTranslateHandler.fail_with = None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), LibreTranslateHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    settings.MACHINE_TRANSLATION_BACKEND = "incidents.machine_translation.LibreTranslate"
    settings.LIBRETRANSLATE_URL = url
    settings.LIBRETRANSLATE_API_KEY = API_KEY
    yield url
    httpd.shutdown()
    httpd.server_close()


def test_translates_through_the_http_api(server):
    backend = get_backend()
    assert isinstance(backend, LibreTranslate)
    assert backend.translate("Slow **logins**", "en", "it") == "<it> Slow **logins**"
    assert LibreTranslateHandler.requests[-1] == {
        "q": "Slow **logins**", "source": "en", "target": "it", "format": "text",
        "api_key": API_KEY,
    }  # fmt: skip


def test_brazilian_portuguese_has_libretranslates_code(server):
    assert get_backend().translate("Hi", "en", "pt-br") == "<pb> Hi"


def test_a_refusal_is_permanent_and_overload_is_not(server):
    with pytest.raises(TranslationError) as refused:
        LibreTranslate(server, api_key="wrong").translate("Hi", "en", "it")
    assert refused.value.permanent and "Invalid API key" in str(refused.value)
    LibreTranslateHandler.fail_with = 429
    with pytest.raises(TranslationError) as busy:
        get_backend().translate("Hi", "en", "it")
    assert not busy.value.permanent


def test_an_unreachable_server_is_a_transient_error(server):
    with pytest.raises(TranslationError) as error:
        LibreTranslate("http://127.0.0.1:9", api_key="").translate("Hi", "en", "it")
    assert not error.value.permanent


def test_no_backend_without_the_setting(settings):
    settings.MACHINE_TRANSLATION_BACKEND = ""
    assert get_backend() is None


def test_libretranslate_needs_a_url(settings):
    settings.LIBRETRANSLATE_URL = ""
    with pytest.raises(ImproperlyConfigured):
        LibreTranslate()


def test_publishing_fills_missing_translations_through_the_task(
    server, make_incident, django_capture_on_commit_callbacks, eager
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(name="Slow logins", body="Looking.")
    rows = Translation.objects.filter(incident=incident)
    assert rows.count() == 2 * 6  # name and the update body, six languages
    assert all(row.machine and row.needs_disclaimer for row in rows)
    assert rows.get(field="name", language="ja").text == "<ja> Slow logins"
    # A person's translation is kept when the task runs again.
    services.translation_save(incident, field="name", language="ja", text="ログインが遅い")
    from incidents.tasks import translate_incident

    assert translate_incident.apply(args=[incident.pk]).get() == 0
    assert rows.get(field="name", language="ja").text == "ログインが遅い"


def test_the_task_does_nothing_without_a_backend(settings, make_incident):
    settings.MACHINE_TRANSLATION_BACKEND = ""
    from incidents.tasks import translate_incident

    incident = make_incident()
    assert translate_incident.apply(args=[incident.pk]).get() == 0
    assert not Translation.objects.exists()
