"""Cache hits answered before Django (incidents.cache_replay.CachedAnswers): the same bytes Django
gave, for the same request only, until a publishing service replaces the content version."""

from __future__ import annotations

from dataclasses import dataclass
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from incidents import services
from incidents.cache import ANSWER_VERSION, content_version
from incidents.cache_replay import CachedAnswers


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


class Site:
    """The WSGI application as gunicorn runs it, counting the requests that reach Django."""

    def __init__(self, max_bytes: int | None = None):
        self.reached_django = 0
        django = WSGIHandler()

        def counting(environ, start_response):
            self.reached_django += 1
            return django(environ, start_response)

        self.app = CachedAnswers(counting, max_bytes=max_bytes)

    def get(self, path: str, method: str = "GET", **headers) -> Answer:
        environ: dict = {}
        setup_testing_defaults(environ)
        path, _, query = path.partition("?")
        environ.update(PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=method, **headers)
        answered = {}

        def start_response(status, headers, exc_info=None):
            answered.update(status=int(status[:3]), headers={n.lower(): v for n, v in headers})

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return Answer(answered["status"], answered["headers"], body)


@pytest.fixture
def _keep_connection(db):
    """As Django's test client does: a request's start and end must not close the database
    connection that holds the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def site(pods, _keep_connection):
    return Site()


def test_a_repeated_request_is_answered_without_entering_django(site):
    first = site.get("/")
    again = site.get("/")
    assert site.reached_django == 1
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body and b"All Systems Operational" in again.body
    assert again.headers == {**first.headers, "x-cache": "HIT"}
    for header in ("content-security-policy", "x-frame-options", "etag", "cache-control"):
        assert header in again.headers


def test_a_published_change_shows_on_the_very_next_request(site, make_incident):
    incident = make_incident(name="Pod 13 errors")
    page = incident.get_absolute_url()
    site.get(page)
    assert b"Found a bad node." not in site.get(page).body
    services.update_post(incident, status="identified", body="Found a bad node.")
    fresh = site.get(page)
    assert b"Found a bad node." in fresh.body
    assert site.reached_django == 2


def test_each_variant_of_a_request_gets_its_own_answer(site):
    plain = site.get("/")
    packed = site.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == "gzip"
    # A first visit whose browser prefers Italian is still sent to /it/, and so is a visitor
    # who chose Italian with the switcher, after the English page was kept.
    assert site.get("/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9").status == 302
    assert site.get("/", HTTP_COOKIE="django_language=it").headers["location"] == "/it/"
    assert site.get("/", HTTP_ACCEPT_ENCODING="gzip").headers["content-encoding"] == "gzip"
    # The public API answers every request, cross-origin or not, with the same CORS header.
    site.get("/api/v2/status.json")
    assert site.get("/api/v2/status.json").headers["access-control-allow-origin"] == "*"
    cross = site.get("/api/v2/status.json", HTTP_ORIGIN="https://shop.example.com")
    assert cross.headers["access-control-allow-origin"] == "*"
    assert "origin" not in cross.headers.get("vary", "").lower()


def test_a_host_not_allowed_is_refused_even_when_the_page_is_kept(site):
    site.get("/")
    site.get("/")
    assert site.get("/", HTTP_HOST="evil.example.com").status == 400


def test_a_post_to_a_kept_page_reaches_django(site):
    site.get("/")
    assert site.get("/").headers["x-cache"] == "HIT" and site.reached_django == 1  # kept
    for _ in range(2):
        posted = site.get("/", method="POST")
        # Django's answer (CSRF refuses a POST without its token), not the page kept for a GET.
        assert posted.status == 403 and b"All Systems Operational" not in posted.body
    assert site.reached_django == 3  # each POST went through Django, none was kept


def test_conditional_requests_are_answered_304_before_django(site):
    first = site.get("/")
    reached = site.reached_django
    unchanged = site.get("/", HTTP_IF_NONE_MATCH=first.headers["etag"])
    assert unchanged.status == 304 and unchanged.body == b""
    assert unchanged.headers["etag"] == first.headers["etag"]
    assert "content-type" not in unchanged.headers
    assert site.get("/", HTTP_IF_NONE_MATCH='"something-else"').status == 200
    since = site.get("/", HTTP_IF_MODIFIED_SINCE=first.headers["last-modified"])
    assert since.status == 304
    assert site.reached_django == reached


def test_only_answers_the_page_cache_vouches_for_are_kept(site, settings):
    site.get("/admin/login/")
    site.get("/admin/login/")
    assert site.reached_django == 2  # not a public page
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    for _ in range(2):
        uncached = site.get("/")
        assert uncached.status == 200 and uncached.headers["x-cache"] == "BYPASS"
    assert site.reached_django == 4


def test_memory_is_bounded(pods, _keep_connection):
    pages = ["/api/v2/status.json", "/api/v2/components.json"]
    sizes = [len(Site().get(page).body) for page in pages]
    site = Site(max_bytes=max(sizes))  # room for either answer, not for both
    for page in [*pages, pages[0]]:
        site.get(page)
    assert site.reached_django == 3  # the second answer pushed the first one out
    assert site.app.size <= max(sizes)


def test_an_answer_that_sets_a_cookie_is_never_replayed():
    calls = []

    def django(environ, start_response):
        calls.append(environ["PATH_INFO"])
        environ[ANSWER_VERSION] = content_version()
        start_response(
            "200 OK",
            [("X-Cache", "MISS"), ("Set-Cookie", 'sessionid=""; Max-Age=0; Path=/')],
        )
        return [b"page"]

    app = CachedAnswers(django)
    environ: dict = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = "/"
    for _ in range(2):
        assert b"".join(app(dict(environ), lambda status, headers, exc_info=None: None)) == b"page"
    assert calls == ["/", "/"]


def test_answers_kept_are_bounded_by_pages_not_by_urls(site):
    """A query string the page does not read is answered from the page cache, never kept here:
    forty random ones leave one kept answer, the page's own."""
    for n in range(40):
        assert site.get(f"/?cb={n}").status == 200
    site.get("/")
    site.get("/")
    assert len(site.app.answers) == 1
    assert site.reached_django == 41
