"""The interface languages: the switcher, `hreflang` alternates, and `/` for a first visit.

English is the default and has no URL prefix; every other language of the LANGUAGES setting
lives under its own prefix (`/it/`, `/pt-br/`). A page's language is decided by its URL alone,
so the public page cache, keyed by language and path, stays correct.

The one exception is `/`: a visitor who chose a language with the switcher (the language
cookie), or whose browser prefers one we have (Accept-Language), is redirected to that
language's status page (`root_language` decides). The redirect is answered before the page
cache and marked `Cache-Control: private`. The English `/` itself varies on
`Accept-Encoding` only, so that a shared cache keeps one copy of it: the cache in front must
make the same decision before it serves that copy. The shipped Varnish configuration does
(deploy/varnish/default.vcl), as do the answers kept before Django (`incidents.cache_replay`);
behind a CDN without such a rule, `/` is the English page for everyone and the language links
lead to the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseRedirect
from django.http.cookie import parse_cookie
from django.urls import translate_url
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import (
    get_language,
    get_language_info,
    get_supported_language_variant,
)
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_safe


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


def root_language(cookie_header: str | None, accept_language: str | None) -> str:
    """The language `/` is for this visitor: the switcher's choice (the language cookie),
    else the browser's most preferred language the site has, else the default."""
    if cookie_header and settings.LANGUAGE_COOKIE_NAME in cookie_header:
        chosen = parse_cookie(cookie_header).get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in codes():
            return chosen
    for tag, _quality in parse_accept_lang_header(accept_language or ""):
        if tag == "*":
            break
        try:
            return get_supported_language_variant(tag)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


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
        preferred = root_language(
            request.META.get("HTTP_COOKIE"), request.META.get("HTTP_ACCEPT_LANGUAGE")
        )
        if preferred == settings.LANGUAGE_CODE:
            return self.get_response(request)
        query = request.META.get("QUERY_STRING", "")
        response = HttpResponseRedirect(home_url(preferred) + (f"?{query}" if query else ""))
        patch_cache_control(response, private=True, max_age=0)
        return response
