"""The 404 and 500 pages: the site's layout, the address's language, a way back to the status
page, never a Django default page, never kept by a shared cache; and the 500 page shows while
the database and the cache are both down."""

from __future__ import annotations

import contextlib
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import path

from incidents import selectors
from incidents.models import Page
from statuspage import errors
from statuspage import urls as site_urls

DJANGO_404 = "The requested resource was not found on this server"
DJANGO_500 = "<h1>Server Error (500)</h1>"


# A URLconf of the site plus a view that fails (ROOT_URLCONF = this module, in the 500 tests).
def _fails(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [
    *site_urls.i18n_patterns(path("fails/", _fails), prefix_default_language=False),
    *site_urls.urlpatterns,
]
handler404 = site_urls.handler404
handler500 = site_urls.handler500


class BrokenCache(BaseCache):
    """A cache server that is down: every call fails, and is counted."""

    calls = 0

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        type(self).calls += 1
        raise ConnectionError("cache server unreachable")

    add = get = set = touch = delete = clear = get_many = set_many = delete_many = _fail
    has_key = incr = decr = get_or_set = _fail


@contextlib.contextmanager
def database_down():
    """Every query fails as with the database server gone; yields the count of attempts."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(self.alias)
        raise OperationalError("connection refused")

    with (
        mock.patch.object(BaseDatabaseWrapper, "cursor", refuse),
        mock.patch.object(BaseDatabaseWrapper, "chunked_cursor", refuse),
    ):
        with pytest.raises(OperationalError):  # down indeed
            Page.objects.exists()
        attempts.clear()
        yield attempts


@pytest.fixture
def cache_down(settings):
    BrokenCache.calls = 0
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.BrokenCache"}}
    with pytest.raises(ConnectionError):  # down indeed
        cache.get("anything")
    BrokenCache.calls = 0
    return BrokenCache


@pytest.fixture
def failing_site(settings, tmp_path, cache_down):
    """The site with a failing view, DEBUG off, no pre-rendered pages (STATIC_ROOT empty)."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    settings.STATIC_ROOT = tmp_path / "static"
    errors._server_error_page.cache_clear()
    yield Client(raise_request_exception=False)
    errors._server_error_page.cache_clear()


def _home_link(text: str) -> str:
    found = re.search(r'<ul class="error-links">\s*<li><a href="([^"]+)"', text)
    assert found, text
    return found.group(1)


# 404


@pytest.mark.parametrize(
    ("address", "language", "home"),
    [
        ("/no-such-page/", "en", "/"),
        ("/it/no-such-page/", "it", "/it/"),
        ("/pt-br/incidents/doesnotexist/", "pt-br", "/pt-br/"),
        ("/ja/pods/no-such-pod/", "ja", "/ja/"),
    ],
)
def test_unknown_addresses_get_the_404_page_of_their_language(client, db, address, language, home):
    response = client.get(address)
    assert response.status_code == 404
    text = response.text
    assert f'<html lang="{language}">' in text
    assert response["Content-Language"] == language
    assert _home_link(text) == home
    assert DJANGO_404 not in text


def test_the_404_page_has_the_sites_layout(client, db):
    text = client.get("/nowhere/").text
    assert 'class="masthead"' in text and 'class="wrap footer"' in text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in text
    assert "/static/incidents/status.css" in text
    assert '<h1 id="error-heading">Page not found</h1>' in text
    assert '<meta name="robots" content="noindex">' in text
    assert "<code>/nowhere/</code>" in text


def test_the_404_language_links_lead_to_each_languages_status_page(client, db):
    text = client.get("/it/nowhere/").text
    assert 'href="/language/de/?next=/de/"' in text
    assert 'href="/language/en/?next=/"' in text
    assert "next=/it/nowhere/" not in text


@pytest.mark.parametrize("address", ["/nowhere/", "/it/nowhere/", "/incidents/doesnotexist/"])
def test_a_404_is_kept_by_no_shared_cache(client, db, address):
    response = client.get(address)
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-cache"
    assert "s-maxage" not in response["Cache-Control"]


def test_head_of_a_missing_page_is_a_404_without_a_body(client, db):
    get = client.get("/it/nowhere/")
    head = client.head("/it/nowhere/")
    assert head.status_code == 404
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


def test_api_404s_stay_json(client, db):
    for address in ("/api/nothing", "/api/v2/nothing-here.json"):
        response = client.get(address)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"error": "The requested resource could not be found."}


# 500


@pytest.mark.parametrize(
    ("address", "language", "home"),
    [("/fails/", "en", "/"), ("/it/fails/", "it", "/it/"), ("/pt-br/fails/", "pt-br", "/pt-br/")],
)
def test_the_500_page_shows_with_the_database_and_the_cache_down(
    failing_site, db, address, language, home
):
    with database_down() as queries:
        response = failing_site.get(address)
    assert response.status_code == 500
    text = response.text
    assert f'<html lang="{language}">' in text
    assert response["Content-Language"] == language
    assert 'class="masthead"' in text and 'class="wrap footer"' in text
    assert "/static/incidents/status.css" in text
    assert _home_link(text) == home
    assert DJANGO_500 not in text
    assert queries == [] and BrokenCache.calls == 0  # the error page asked neither


def test_the_status_page_failing_with_everything_down_gets_the_500_page(
    failing_site, db, monkeypatch
):
    def broken():
        raise RuntimeError("a bug in a selector")

    monkeypatch.setattr(selectors, "status_page", broken)
    with database_down():
        response = failing_site.get("/it/")
    assert response.status_code == 500
    assert '<html lang="it">' in response.text and _home_link(response.text) == "/it/"


def test_the_500_language_links_lead_to_each_languages_status_page(failing_site, db):
    text = failing_site.get("/it/fails/").text
    assert 'href="/language/de/?next=/de/"' in text and 'hreflang="ja"' in text
    assert "fails" not in text


def test_a_500_is_never_stored(failing_site, db):
    response = failing_site.get("/fails/")
    assert response["Cache-Control"] == "no-store"


def test_head_of_a_failing_page_is_a_500_without_a_body(failing_site, db):
    get = failing_site.get("/it/fails/")
    head = failing_site.head("/it/fails/")
    assert head.status_code == 500
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


def test_api_500s_stay_json(failing_site, db, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the API")

    monkeypatch.setattr(selectors, "status_page", broken)
    monkeypatch.setattr(selectors, "api_incidents", broken, raising=False)
    response = failing_site.get("/api/v2/incidents.json")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "error" in response.json()


def test_the_command_writes_a_page_per_language_and_the_handler_serves_those_files(
    failing_site, db, settings
):
    call_command("render_error_pages")
    folder = settings.STATIC_ROOT / "errors"
    names = sorted(p.name for p in folder.iterdir())
    codes = [code for code, _name in settings.LANGUAGES]
    assert names == sorted(["500.html", *(f"500.{code}.html" for code in codes)])
    assert '<html lang="de">' in (folder / "500.de.html").read_text()
    assert (folder / "500.html").read_text() == (folder / "500.en.html").read_text()
    # What is served is the file as written, read without the database or the cache.
    french = folder / "500.fr.html"
    marked = french.read_text().replace("</body>", "<!-- from the file --></body>")
    french.write_text(marked)
    with database_down() as queries:
        response = failing_site.get("/fr/fails/")
    assert response.status_code == 500
    assert response.text == marked
    assert queries == [] and BrokenCache.calls == 0
