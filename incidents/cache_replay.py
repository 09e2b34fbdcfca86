"""Cache hits answered before Django: `CachedAnswers` (statuspage/wsgi.py).

A hit in the page cache (`incidents.cache`) still costs a pass through Django (request, a
dozen middleware, response): most of what serving a cached page costs. This layer keeps, per
process, the last answer Django gave to each public GET or HEAD, status, headers of every
middleware and body, and replays it byte for byte to the same address while the content
version it was rendered for is still current (and for at most FRESH_SECONDS, as the page
cache): one lookup of the version in the shared cache, so a new update shows on the very next
request here too.

Its key comes from the pages' declaration, as the page cache's does: a public answer depends
on its address (path and the parameters the page reads) and on whether gzip is accepted,
nothing else (`SharedCacheHeadersMiddleware` says so to every shared cache with
`Vary: Accept-Encoding`). Two things Django decides before any page are kept apart: the host
and scheme it was asked under (Django refuses an unknown host and may redirect plain http),
and `/`, which is replayed only to a visitor `root_language` sends to the English page.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import get_language_from_path, override

from .cache import ANSWER_VERSION, FRESH_SECONDS, CacheUnavailable, content_version, declaration
from .languages import root_language

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

    Only answers the page cache marked as its own (a hit or a fresh render, 200), asked for
    with no parameter the page does not read, and that set no cookie are kept: a stale copy,
    a redirect, an error or an uncached answer always goes through Django again. When the
    cache cannot be reached, every request goes to Django, which renders uncached.
    """

    def __init__(self, app, max_bytes: int | None = None):
        self.app = app
        self.max_bytes = max_bytes or settings.ANSWER_CACHE_BYTES
        self.answers: OrderedDict[tuple, _Answer] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        key = _key(environ)
        if key is None:
            return self.app(environ, start_response)
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


def _key(environ) -> tuple | None:
    """The answer this request may be given, from the page's declaration: None when it is not
    a public page's GET or HEAD (or is `/` for a visitor who goes elsewhere)."""
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "HEAD"):
        return None
    path = environ.get("PATH_INFO", "")
    # Resolved in the language of its prefix, as the locale middleware will.
    with override(get_language_from_path(path) or settings.LANGUAGE_CODE):
        if declaration(path) is None:
            return None
    if (
        path == "/"
        and root_language(environ.get("HTTP_COOKIE"), environ.get("HTTP_ACCEPT_LANGUAGE"))
        != settings.LANGUAGE_CODE
    ):
        return None
    host = environ.get("HTTP_X_FORWARDED_HOST") if settings.USE_X_FORWARDED_HOST else None
    scheme = environ.get("HTTP_X_FORWARDED_PROTO") if settings.SECURE_PROXY_SSL_HEADER else None
    return (
        method,
        environ.get("SCRIPT_NAME", ""),
        path,
        environ.get("QUERY_STRING", ""),
        host or environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
        scheme or environ.get("wsgi.url_scheme"),
        "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""),
    )


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
