"""The 404 and 500 pages: in the site's layout and in the language of the address.

A 404 is rendered like any page (templates/404.html). A 500 must show when nothing else works,
the database and the cache included: templates/500.html is rendered ahead of time, one file
per language (`manage.py render_error_pages`, run after `collectstatic`, writes them to
STATIC_ROOT/errors/), and the handler only reads the file of the address's language. Where
the files are missing (a laptop, the tests) each process renders its pages once, without a
request, so without the database or the cache either. Both answers are kept by no shared cache.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from incidents import languages

logger = logging.getLogger(__name__)

# When even the template cannot be rendered (a broken deploy): plain words, no layout.
LAST_RESORT = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8">'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">'
    b"<title>Server error</title></head><body><h1>Something went wrong on our side</h1>"
    b'<p>Please try again in a few minutes.</p><p><a href="/">Current status</a></p>'
    b"</body></html>"
)


def error_pages_dir() -> Path:
    return Path(settings.STATIC_ROOT) / "errors"


def page_language(request: HttpRequest) -> str:
    """The language of the address (`/it/...`), English without a prefix. Read from the path
    alone: a 500 may come before the locale middleware has run."""
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def _error_context(home: str) -> dict:
    """The way back (`status_url`) and the language links: each language's status page, as
    the address that failed has no counterpart to switch to."""
    return {
        "status_url": home,
        "language_links": languages.links(home),
        "default_language_url": languages.home_url(settings.LANGUAGE_CODE),
    }


def render_server_error(language: str) -> str:
    """templates/500.html in `language`. No request and no context processor: nothing here
    reads the database or the cache (the page's name is the STATUSPAGE_NAME setting, not the
    one staff may have set in the page's settings)."""
    with translation.override(language):
        home = reverse("incidents:status")
        return render_to_string(
            "500.html",
            {
                **_error_context(home),
                "statuspage_name": settings.STATUSPAGE_NAME,
                "public_site_url": settings.SITE_URL,
            },
        )


def write_error_pages(directory: Path | None = None) -> list[Path]:
    """Renders the 500 page of every language into `directory` (STATIC_ROOT/errors/):
    500.<code>.html each, and 500.html, the default language's, for a cache or CDN in front."""
    directory = directory or error_pages_dir()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for code, _name in settings.LANGUAGES:
        content = render_server_error(code)
        names = [f"500.{code}.html"]
        if code == settings.LANGUAGE_CODE:
            names.append("500.html")
        for name in names:
            path = directory / name
            path.write_text(content, encoding="utf-8")
            written.append(path)
    _server_error_page.cache_clear()
    return written


@functools.lru_cache(maxsize=64)
def _server_error_page(directory: str, language: str) -> bytes:
    """The pre-rendered file, read once per process; rendered here when there is none."""
    path = Path(directory) / f"500.{language}.html"
    try:
        return path.read_bytes()
    except OSError:
        return render_server_error(language).encode()


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the static page of the address's language, no database, no cache."""
    language = page_language(request)
    try:
        content = _server_error_page(str(error_pages_dir()), language)
    except Exception:  # the page of last resort must not fail in turn
        logger.exception("the 500 page could not be rendered")
        content = LAST_RESORT
        language = "en"
    response = HttpResponseServerError(content, content_type="text/html; charset=utf-8")
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: templates/404.html in the site's layout and the address's language (the
    locale middleware chose it).

    Private and revalidated: an address missing now (an incident not yet published) may
    exist a minute later, and nothing purges a 404 from a shared cache.
    """
    context = {**_error_context(reverse("incidents:status")), "request_path": request.path}
    response = render(request, "404.html", context, status=404)
    response["Cache-Control"] = "private, no-cache"
    return response
