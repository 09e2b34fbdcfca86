"""The public pages and API from a shared cache, safe under a thundering herd.

- Keys carry a content version that every publishing service replaces (through
  the domain events, `bump_after`), so the request after a new update renders it: no TTL wait.
- On a miss, one request renders (it holds a short lock); the others serve the previous
  version of the same page when there is one, or wait briefly for the winner.
- When rendering fails (the database is down) the last good copy is served, marked
  `X-Status-Stale: 1`.
- When the cache is down pages are rendered uncached (a warning is logged), never a 500.

Only anonymous-safe responses are stored: the pages carry no per-visitor data.

In front of Django, `CachedAnswers` (statuspage/wsgi.py) replays, per process, the answer Django
last gave to the same request while its content version is current, so that a hit costs a
cache lookup of the version instead of a pass through Django.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.http.cookie import parse_cookie
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

VERSION_KEY = "public:version"
# Where the page cache tells the layer before Django which version an answer is of.
ANSWER_VERSION = "statuspage.answer_version"
# A page lives until a publishing service replaces the version, or five minutes: a change the
# cache could not be told about (it was down at that moment) shows within five minutes.
FRESH_SECONDS = 300
STALE_SECONDS = 7 * 24 * 3600  # the last good copy, for the database-down case
# After the cache failed, pages are rendered without it for a few seconds before it is tried
# again: a cache that hangs (unreachable) then costs one timeout, not one per request.
RETRY_SECONDS = 5.0
LOCK_SECONDS = 10
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.02
# What a CDN or browser may keep: a few seconds, then revalidate (ETag / Last-Modified).
CDN_MAX_AGE = 5


class CacheUnavailable(Exception):
    pass


class _Health:
    """This process's view of the cache: when to try it again after a failure, and whether a
    failure happened since it last worked."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.retry_at = 0.0
        self.failed = False


health = _Health()


def _call(operation, *args, **kwargs):
    if health.retry_at and time.monotonic() < health.retry_at:
        raise CacheUnavailable("failed a moment ago; tried again in a few seconds")
    try:
        if health.failed:
            # Back after a failure: a change published meanwhile (here or elsewhere) could not
            # replace the version, so replace it now rather than serve pages from before it.
            cache.set(VERSION_KEY, uuid.uuid4().hex, None)
            health.reset()
        return operation(*args, **kwargs)
    except Exception as error:  # any backend: redis, memcached, ...
        health.retry_at = time.monotonic() + RETRY_SECONDS
        health.failed = True
        raise CacheUnavailable(str(error)) from error


def content_version() -> str:
    version = _call(cache.get, VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # Another process may have set one meanwhile; theirs wins.
        if not _call(cache.add, VERSION_KEY, version, None):
            version = _call(cache.get, VERSION_KEY) or version
    return version


def bump_version() -> None:
    """A new random version: old entries can never be read again, even if a key is lost."""
    try:
        _call(cache.set, VERSION_KEY, uuid.uuid4().hex, None)
    except CacheUnavailable as error:
        logger.warning("cache unavailable, public pages not invalidated: %s", error)


def bump_after(event) -> None:
    """The listener of every domain event (`incidents.events`): a change readers can see
    makes every public page new."""
    if event.public:
        bump_version()


# Headers that belong to one answer, not to the page.
_PER_RESPONSE = {"set-cookie", "x-cache", "last-modified", "date", "etag"}


def _freeze(response: HttpResponse) -> dict:
    content = response.content
    return {
        "status": response.status_code,
        "content": content,
        # Compressed once, when stored: a 400 KB status page of 50 components travels as ~20.
        "gzip": gzip.compress(content, compresslevel=6, mtime=0) if len(content) > 1024 else None,
        "headers": {
            name: value for name, value in response.items() if name.lower() not in _PER_RESPONSE
        },
        "etag": f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"',
        "stored_at": time.time(),
    }


def _thaw(frozen: dict, state: str, accepts_gzip: bool) -> HttpResponse:
    compressed = accepts_gzip and frozen.get("gzip") is not None
    response = HttpResponse(
        frozen["gzip"] if compressed else frozen["content"], status=frozen["status"]
    )
    for name, value in frozen["headers"].items():
        response[name] = value
    # Computed once, when stored; the compressed variant has its own, as GZipMiddleware does.
    response["ETag"] = frozen["etag"][:-1] + '-gzip"' if compressed else frozen["etag"]
    if compressed:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Last-Modified"] = http_date(frozen["stored_at"])
    response["X-Cache"] = state
    return response


def _finish(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=CDN_MAX_AGE)
    return response


def public_page(view=None, *, query: Iterable[str] = ()):
    """Declares a view's answers public and cacheable (it answers GET and HEAD only).

    Its answer must be the same for everyone who asks for the same path in the same language
    with the same values of the `query` parameters, the only ones it reads. Any other parameter
    is dropped before the view runs: it can neither change the answer nor add a cache entry.
    """

    def declare(view):
        return declare_public(require_safe(view), query=query)

    return declare(view) if view is not None else declare


def declare_public(view, *, query: Iterable[str] = ()):
    """Marks `view` as `public_page` does, for views that check their methods themselves."""
    view.public_query = tuple(sorted(set(query)))
    return view


def public_query(request) -> tuple[str, ...] | None:
    """The query parameters the view of this address reads, when it is a public page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "public_query", None)


def _canonical_query(request, names: tuple[str, ...]) -> str:
    """Keeps only the parameters the view reads, in one order, in `request.GET` and the query
    string alike (the page's own links are built from it)."""
    kept = QueryDict(mutable=True)
    for name in names:
        values = request.GET.getlist(name)
        if values:
            kept.setlist(name, values)
    canonical = kept.urlencode()
    kept._mutable = False
    request.GET = kept
    request.META["QUERY_STRING"] = canonical
    return canonical


class PublicPageCacheMiddleware:
    """Serves GET (and so HEAD) of the public pages (views declared with `public_page`) from
    the cache, per language, path and the values of the parameters the page reads.

    It sits after the locale middleware (the language is decided) and conditional GET (ETag,
    304 apply to cached answers too), and before the middleware a public page does not need
    (CSRF, authentication, messages), so that a hit costs little; the headers those add on the
    way out are stored with the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET":
            return self.get_response(request)
        names = public_query(request)
        if names is None:
            return self.get_response(request)
        query = _canonical_query(request, names)
        page = f"{get_language()}:{request.path}" + (f"?{query}" if query else "")
        try:
            accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
            version = content_version()
            # For the layer before Django (CachedAnswers): which version this answer is of.
            request.META[ANSWER_VERSION] = version
            return _finish(_serve(page, lambda: self.get_response(request), accepts_gzip, version))
        except CacheUnavailable as error:
            logger.warning("cache unavailable, rendering %s uncached: %s", page, error)
            response = self.get_response(request)
            response["X-Cache"] = "BYPASS"
            return _finish(response)


# Cache backends limit key length (memcached: 250); a longer query string is hashed.
MAX_PAGE_IN_KEY = 180


def _serve(page: str, render, accepts_gzip: bool, version: str) -> HttpResponse:
    if len(page) > MAX_PAGE_IN_KEY:
        page = "sha256:" + hashlib.sha256(page.encode()).hexdigest()
    key = f"public:{version}:{page}"
    stale_key = f"public:last:{page}"
    frozen = _call(cache.get, key)
    if frozen is not None:
        return _thaw(frozen, "HIT", accepts_gzip)
    lock = f"lock:{key}"
    if not _call(cache.add, lock, 1, LOCK_SECONDS):
        # Someone else renders this version: serve the previous one, or wait for theirs.
        previous = _call(cache.get, stale_key)
        if previous is not None:
            return _thaw(previous, "STALE", accepts_gzip)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            frozen = _call(cache.get, key)
            if frozen is not None:
                return _thaw(frozen, "HIT", accepts_gzip)
    try:
        response = render()
    finally:
        _call(cache.delete, lock)
    if response.status_code >= 500:
        # The database (or anything under the page) failed: the last good copy is better than
        # an error page on the day everything else is failing too.
        previous = _call(cache.get, stale_key)
        if previous is None:
            return response
        logger.error("%s failed with %s, serving its last good copy", page, response.status_code)
        response = _thaw(previous, "STALE", accepts_gzip)
        response["X-Status-Stale"] = "1"
        return response
    if response.status_code != 200 or response.streaming:
        response["X-Cache"] = "MISS"
        return response
    frozen = _freeze(response)
    _call(cache.set, key, frozen, FRESH_SECONDS)
    _call(cache.set, stale_key, frozen, STALE_SECONDS)
    return _thaw(frozen, "MISS", accepts_gzip)


# -- before Django -----------------------------------------------------------------------

# Every request input that can change the answer to a public GET or HEAD, besides the language
# cookie and whether gzip is accepted: the address; the host (allowed or not) and scheme (HSTS,
# the HTTPS redirect), as given directly or by the proxy; Accept-Language (`/` redirects a first
# visit, the API has no language prefix) and Origin (CORS headers).
_INPUTS = (
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
    "HTTP_HOST", "HTTP_X_FORWARDED_HOST", "SERVER_NAME", "SERVER_PORT",
    "wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO", "HTTP_ACCEPT_LANGUAGE", "HTTP_ORIGIN",
)  # fmt: skip
# What a 304 keeps of the answer (as Django's conditional GET does).
_NOT_MODIFIED_KEEPS = {
    "cache-control", "content-location", "etag", "expires", "last-modified", "vary",
}  # fmt: skip


class _Answer(NamedTuple):
    version: str  # the content version it was rendered for
    kept_at: float  # time.monotonic()
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    not_modified_headers: list[tuple[str, str]]  # what a 304 carries
    etag: str
    last_modified: str


class CachedAnswers:
    """WSGI middleware: answers the public pages' cache hits without entering Django.

    A hit in the page cache above still costs a pass through Django (request, a dozen
    middleware, response): most of what serving a cached page costs. This layer keeps, per
    process, the last answer Django gave to each public GET or HEAD, status, headers of every
    middleware and body, and replays it byte for byte to the same request (the same inputs,
    `_INPUTS`) while the content version it was rendered for is still current (and for at most
    FRESH_SECONDS, as the page cache): one lookup of the version in the shared cache, so a new
    update shows on the very next request here too.

    Only answers the page cache marked as its own (a hit or a fresh render, 200), asked for with
    no parameter the page does not read, and that set no cookie are kept: a stale copy, a
    redirect, an error or an uncached answer always goes through Django again.
    When the cache cannot be reached, every request goes to Django, which renders uncached.
    """

    def __init__(self, app, max_bytes: int | None = None):
        self.app = app
        self.max_bytes = max_bytes or settings.ANSWER_CACHE_BYTES
        self.answers: OrderedDict[tuple, _Answer] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        key = _request_inputs(environ)
        with self.lock:
            answer = self.answers.get(key)
        if answer is not None:
            try:
                current = content_version()
            except CacheUnavailable:
                current = None
            if answer.version == current and time.monotonic() - answer.kept_at < FRESH_SECONDS:
                if _not_modified(environ, answer.etag, answer.last_modified):
                    start_response("304 Not Modified", answer.not_modified_headers)
                    return []
                start_response(answer.status, answer.headers)
                return [answer.body]
        return self._record(key, environ, start_response)

    def _record(self, key, environ, start_response):
        """Lets Django answer, and keeps the answer when the page cache vouches for it."""
        answered = {}
        asked_query = environ.get("QUERY_STRING", "")

        def capture(status, headers, exc_info=None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        headers = answered.get("headers", ())
        names = {n.lower(): v for n, v in headers}
        version = environ.get(ANSWER_VERSION)
        # A cookie is one visitor's (a session ending, say): never replayed to another. A
        # request with parameters the page does not read (the page cache dropped them) is
        # answered but not kept: the answers kept are bounded by the pages, not by the URLs.
        if not (
            answered.get("status", "").startswith("200 ")
            and version
            and names.get("x-cache") in ("HIT", "MISS")
            and "set-cookie" not in names
            and environ.get("QUERY_STRING", "") == asked_query
        ):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        replayed = [(n, "HIT" if n.lower() == "x-cache" else v) for n, v in headers]
        answer = _Answer(
            version=version,
            kept_at=time.monotonic(),
            status=answered["status"],
            headers=replayed,
            body=body,
            not_modified_headers=[(n, v) for n, v in replayed if n.lower() in _NOT_MODIFIED_KEEPS],
            etag=names.get("etag", ""),
            last_modified=names.get("last-modified", ""),
        )
        self._keep(key, answer)
        return [body]

    def _keep(self, key, answer: _Answer) -> None:
        size = len(answer.body)
        if size > self.max_bytes:
            return
        with self.lock:
            previous = self.answers.pop(key, None)
            if previous is not None:
                self.size -= len(previous.body)
            self.answers[key] = answer
            self.size += size
            while self.size > self.max_bytes:
                _key, evicted = self.answers.popitem(last=False)
                self.size -= len(evicted.body)


def _request_inputs(environ) -> tuple:
    cookies = environ.get("HTTP_COOKIE")
    language = None
    if cookies and settings.LANGUAGE_COOKIE_NAME in cookies:
        language = parse_cookie(cookies).get(settings.LANGUAGE_COOKIE_NAME)
    gzip_accepted = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
    return (*map(environ.get, _INPUTS), language, gzip_accepted)


def _not_modified(environ, etag: str, last_modified: str) -> bool:
    """RFC 9110 13.1.2/13.1.3 for a GET or HEAD: If-None-Match decides when present."""
    tags = environ.get("HTTP_IF_NONE_MATCH")
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if tags is not None:
        etag = etag.removeprefix("W/")
        return any(
            tag.strip() == "*" or tag.strip().removeprefix("W/") == etag for tag in tags.split(",")
        )
    if since is None or not last_modified:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
