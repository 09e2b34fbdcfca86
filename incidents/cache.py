"""The public pages and API: one cache design, declared where the views are.

A view declares itself public with `@public_page(query=..., keys=...)`: its answer is the same
for everyone who asks for the same address (path, language prefix, and the values of the
`query` parameters it reads, the only ones kept) and it shows the content named by its
surrogate `keys`. From that declaration alone come:

- the key of the page cache here (language, path, canonical query) and of the answers kept
  before Django (`incidents.cache_replay`);
- the HTTP a shared cache (Varnish, a CDN) needs: `Vary: Accept-Encoding` only, a short
  `max-age`, a longer `s-maxage`, `stale-while-revalidate`, `stale-if-error`, and the surrogate
  keys (`xkey`, `Surrogate-Key`) that `incidents.purge` purges after each change.

The page cache:
- Keys carry a content version that every public change replaces (the domain events,
  `bump_after`), so the request after a new update renders it: no TTL wait.
- On a miss, one request renders (it holds a short lock); the others serve the previous
  version of the same page when there is one, or wait briefly for the winner.
- When rendering fails (the database is down) the last good copy is served, marked
  `X-Status-Stale: 1`.
- When the cache is down pages are rendered uncached (a warning is logged), never a 500.

Only anonymous-safe responses are stored: the pages carry no per-visitor data.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import logging
import time
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
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
# What a browser may keep: a few seconds, then revalidate (ETag / Last-Modified). A shared
# cache keeps a page as long as the page cache does, since it is purged at every change; it
# refreshes in the background for a while, and keeps serving for a day when the origin fails.
BROWSER_MAX_AGE = 5
SHARED_MAX_AGE = FRESH_SECONDS
STALE_WHILE_REVALIDATE = 30
STALE_IF_ERROR = 24 * 3600
# Every public answer carries this surrogate key (a purge of everything); `lang-<code>` too.
SITE_KEY = "statuspage"
# What a public page shows unless it says otherwise: the lists of incidents and the components.
DEFAULT_KEYS = ("lists", "components")


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


def get_if_up(key: str, default=None):
    """`cache.get(key)` while the cache works; `default` when it fails, now or a moment ago
    (then without waiting for it)."""
    try:
        return _call(cache.get, key, default)
    except CacheUnavailable:
        return default


def set_if_up(key: str, value, timeout: float | None) -> None:
    """`cache.set` while the cache works; nothing when it does not."""
    with contextlib.suppress(CacheUnavailable):
        _call(cache.set, key, value, timeout)


def delete_if_up(key: str) -> None:
    """`cache.delete` while the cache works; nothing when it does not."""
    with contextlib.suppress(CacheUnavailable):
        _call(cache.delete, key)


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


def public_page(view=None, *, query: Iterable[str] = (), keys: Iterable[str] = DEFAULT_KEYS):
    """Declares a view's answers public and cacheable (it answers GET and HEAD only).

    Its answer must be the same for everyone who asks for the same path in the same language
    with the same values of the `query` parameters, the only ones it reads. Any other parameter
    is dropped before the view runs: it can neither change the answer nor add a cache entry.
    `keys` name what it shows, for purging shared caches: "lists" (the lists of incidents),
    "components" (component states), "incident-{public_id}" (formatted with the URL's
    arguments). See `incidents.purge` for which change purges which key.
    """

    def declare(view):
        return declare_public(require_safe(view), query=query, keys=keys)

    return declare(view) if view is not None else declare


def declare_public(view, *, query: Iterable[str] = (), keys: Iterable[str] = DEFAULT_KEYS):
    """Marks `view` as `public_page` does, for views that check their methods themselves."""
    view.public_query = tuple(sorted(set(query)))
    view.public_keys = tuple(keys)
    return view


class Declaration(NamedTuple):
    query: tuple[str, ...]  # the parameters the page reads
    keys: tuple[str, ...]  # its surrogate keys, formatted for this address


def declaration(path: str) -> Declaration | None:
    """What the view of `path` declared, when it is a public page. Both layers in front of
    the views ask it for every GET: resolved once per language and path, the last few
    thousand kept (a flood of made-up paths only pushes entries out)."""
    return _declaration(get_language(), path)


@functools.lru_cache(maxsize=4096)
def _declaration(language: str | None, path: str) -> Declaration | None:
    # `language` is part of the key: a path's language prefix resolves in its language only.
    try:
        match = resolve(path)
    except Resolver404:
        return None
    query = getattr(match.func, "public_query", None)
    if query is None:
        return None
    keys = tuple(key.format(**match.kwargs) for key in match.func.public_keys)
    return Declaration(query, keys)


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
        declared = declaration(request.path_info)
        if declared is None:
            return self.get_response(request)
        query = _canonical_query(request, declared.query)
        language = get_language()
        request.public_keys = (SITE_KEY, f"lang-{language}", *declared.keys)
        page = f"{language}:{request.path}" + (f"?{query}" if query else "")
        try:
            accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
            version = content_version()
            # For the layer before Django (CachedAnswers): which version this answer is of.
            request.META[ANSWER_VERSION] = version
            return _serve(page, lambda: self.get_response(request), accepts_gzip, version)
        except CacheUnavailable as error:
            logger.warning("cache unavailable, rendering %s uncached: %s", page, error)
            response = self.get_response(request)
            response["X-Cache"] = "BYPASS"
            return response


class SharedCacheHeadersMiddleware:
    """The HTTP of a public answer, set last on its way out (it is the outermost middleware):
    what the middleware inside added for one visitor (`Vary: Cookie` from the session,
    `Accept-Language` from the locale middleware, `Origin` from CORS) is replaced by what the
    declaration says, so that a shared cache keeps one copy per address and encoding.

    The public API also answers `Access-Control-Allow-Origin: *` on every answer, errors
    included, with or without an `Origin` (as Statuspage does).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/api/v2/"):
            response["Access-Control-Allow-Origin"] = "*"
            if "Vary" in response:
                _drop_vary(response, "origin")
        keys = getattr(request, "public_keys", None)
        if keys is None or response.status_code not in (200, 304):
            return response
        if response.cookies:  # one visitor's: never for a shared cache
            response["Cache-Control"] = "private, no-cache"
            return response
        response["Vary"] = "Accept-Encoding"
        stale = response.get("X-Status-Stale") == "1"
        shared = BROWSER_MAX_AGE if stale else SHARED_MAX_AGE
        # `/` is the English page only for a visitor who has not chosen another language: a
        # browser asks again each time (a 304 when nothing changed), so that a choice made
        # with the switcher takes effect at once; a shared cache decides that itself.
        browser = 0 if request.path_info == "/" else BROWSER_MAX_AGE
        response["Cache-Control"] = (
            f"public, max-age={browser}, s-maxage={shared}, "
            f"stale-while-revalidate={STALE_WHILE_REVALIDATE}, stale-if-error={STALE_IF_ERROR}"
        )
        response["xkey"] = response["Surrogate-Key"] = " ".join(keys)
        return response


def _drop_vary(response: HttpResponse, name: str) -> None:
    kept = [v.strip() for v in response["Vary"].split(",") if v.strip().lower() != name]
    if kept:
        response["Vary"] = ", ".join(kept)
    else:
        del response["Vary"]


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
