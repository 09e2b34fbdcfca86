"""The interface languages: the switcher, `hreflang` alternates, and `/` for a first visit.

English is the default and has no URL prefix; every other language of the LANGUAGES setting
lives under its own prefix (`/it/`, `/pt-br/`). A page's language is decided by its URL alone,
so the public page cache, keyed by language and path, stays correct.

The one exception is `/` for a first-time visitor: when their browser prefers a language we
have (Accept-Language) and they have not chosen one with the switcher (the language cookie),
they are redirected to that language's status page. That redirect depends on request headers,
so it is answered before the page cache, marked `Cache-Control: private` and
`Vary: Accept-Language, Cookie`; the English `/` carries the same `Vary`, so that no shared
cache hands the English page to a visitor who would have been redirected.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, get_language_from_request, get_language_info
from django.views.decorators.http import require_safe

ROOT_VARY = ("Accept-Language", "Cookie")


def codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translated_codes() -> list[str]:
    """Languages content can be translated into: all but the default (the source)."""
    return [code for code in codes() if code != settings.LANGUAGE_CODE]


def home_url(code: str) -> str:
    return "/" if code == settings.LANGUAGE_CODE else f"/{code}/"


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str  # in its own language: "Italiano", "Deutsch"
    url: str  # this page in that language
    switch_url: str  # sets the language cookie, then goes to `url`
    current: bool


def links(path: str) -> list[LanguageLink]:
    """This page (`path`, with its query) in every language."""
    current = get_language()
    found = []
    for code in codes():
        url = translate_url(path, code)
        found.append(
            LanguageLink(
                code=code,
                name=get_language_info(code)["name_local"],
                url=url,
                switch_url=f"/language/{code}/?next={quote(url, safe='/')}",
                current=code == current,
            )
        )
    return found


@require_safe
def switch(request, code: str):
    """The switcher's links: remembers the choice in the language cookie and goes to `next`.

    A plain link (no form, no JavaScript), so that the pages carry no per-visitor token and
    stay cacheable; the cookie only tells `/` not to follow Accept-Language any more.
    """
    if code not in codes():
        code = settings.LANGUAGE_CODE
    target = request.GET.get("next") or home_url(code)
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = home_url(code)
    response = HttpResponseRedirect(translate_url(target, code))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


class RootLanguageMiddleware:
    """Sends a first visit of `/` to the visitor's language; see the module docstring.

    Sits after the locale middleware and before the page cache: the cache only ever sees the
    requests for `/` that are answered in English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/" or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        # The cookie (a choice made with the switcher) wins over the browser's preference.
        preferred = get_language_from_request(request)
        if preferred != settings.LANGUAGE_CODE:
            query = request.META.get("QUERY_STRING", "")
            response = HttpResponseRedirect(home_url(preferred) + (f"?{query}" if query else ""))
            patch_cache_control(response, private=True, max_age=0)
        else:
            response = self.get_response(request)
        patch_vary_headers(response, ROOT_VARY)
        return response
