"""The public pages and API from a shared cache, safe under a thundering herd.

- Keys carry a content version that every publishing service replaces (through
  `services.events.published`), so the request after a new update renders it: no TTL wait.
- On a miss, one request renders (it holds a short lock); the others serve the previous
  version of the same page when there is one, or wait briefly for the winner.
- When rendering fails (the database is down) the last good copy is served, marked
  `X-Status-Stale: 1`.
- When the cache is down pages are rendered uncached (a warning is logged), never a 500.

Only anonymous-safe responses are stored: the pages carry no per-visitor data.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

VERSION_KEY = "public:version"
FRESH_SECONDS = 24 * 3600  # a version lives until replaced; this only bounds memory
STALE_SECONDS = 7 * 24 * 3600  # the last good copy, for the database-down case
LOCK_SECONDS = 10
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.02
# What a CDN or browser may keep: a few seconds, then revalidate (ETag / Last-Modified).
CDN_MAX_AGE = 5


class CacheUnavailable(Exception):
    pass


def _call(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except Exception as error:  # any backend: redis, memcached, ...
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


class PublicPageCacheMiddleware:
    """Serves GET/HEAD of the public pages (the PUBLIC_CACHE_PATHS setting, a regex) from the
    cache, per language and full path.

    It sits after the locale middleware (the language is decided) and conditional GET (ETag,
    304 apply to cached answers too), and before the middleware a public page does not need
    (CSRF, authentication, messages), so that a hit costs little; the headers those add on the
    way out are stored with the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = re.compile(settings.PUBLIC_CACHE_PATHS)

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not self.paths.match(request.path_info):
            return self.get_response(request)
        page = f"{get_language()}:{request.get_full_path()}"
        try:
            accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
            return _finish(_serve(page, lambda: self.get_response(request), accepts_gzip))
        except CacheUnavailable as error:
            logger.warning("cache unavailable, rendering %s uncached: %s", page, error)
            response = self.get_response(request)
            response["X-Cache"] = "BYPASS"
            return _finish(response)


# Cache backends limit key length (memcached: 250); a longer query string is hashed.
MAX_PAGE_IN_KEY = 180


def _serve(page: str, render, accepts_gzip: bool = False) -> HttpResponse:
    if len(page) > MAX_PAGE_IN_KEY:
        page = "sha256:" + hashlib.sha256(page.encode()).hexdigest()
    key = f"public:{content_version()}:{page}"
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
