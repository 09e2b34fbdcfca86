"""Interface languages: prefixes, the switcher, hreflang, `/` for a first visit, and caching."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.conf import settings

from tests.conftest import utc

PREFIXES = ["it", "de", "es", "fr", "ja", "pt-br"]


@pytest.fixture
def incident(make_incident):
    with time_machine.travel(utc(2024, 3, 20, 20, 59), tick=False):
        return make_incident(name="Slow logins", started_at=utc(2024, 3, 20, 19, 0))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_language_has_its_prefix(client, db, prefix):
    response = client.get(f"/{prefix}/")
    assert response.status_code == 200
    assert f'<html lang="{prefix}">' in response.content.decode()


def test_english_has_no_prefix(client, db):
    assert client.get("/en/").status_code == 404
    assert '<html lang="en">' in client.get("/").content.decode()


def test_admin_api_and_healthz_have_no_prefix(client, db):
    assert client.get("/it/admin/").status_code == 404
    assert client.get("/it/api/v2/status.json").status_code == 404
    assert client.get("/api/v2/status.json").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_every_page_links_every_language_and_x_default(client, incident):
    pages = ["/", f"/incidents/{incident.public_id}/", "/history/", "/subscribe/",
             "/pods/pod-13/", "/my/"]  # fmt: skip
    for path in pages:
        html = client.get(f"/de{path}").content.decode()
        alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', html)
        assert sorted(alternates) == sorted(
            [(code, f"{settings.SITE_URL}/{code}{path}") for code in PREFIXES]
            + [("en", settings.SITE_URL + path), ("x-default", settings.SITE_URL + path)]
        ), path


def test_the_switcher_links_this_page_in_every_language_without_javascript(client, incident):
    html = client.get(f"/incidents/{incident.public_id}/").content.decode()
    nav = re.search(r'<nav class="languages".*?</nav>', html, re.S).group(0)
    # The switcher needs no script (the page's scripts are for other things): plain links,
    # no handler, no form, nothing for a script to fill in.
    assert "<script" not in nav and "<form" not in nav and "javascript:" not in nav
    assert not re.search(r"\son\w+=", nav)
    anchors = re.findall(r"<a\s[^>]*>", nav)
    assert len(anchors) == len(PREFIXES)
    assert all(re.search(r'\shref="/language/[^"]+"', anchor) for anchor in anchors)
    assert "Italiano".lower() in nav.lower() and "日本語" in nav and "Deutsch" in nav
    links = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav)
    assert sorted(links) == sorted(
        (f"/language/{code}/?next=/{code}/incidents/{incident.public_id}/", code)
        for code in PREFIXES
    )
    assert 'aria-current="true"' in nav  # English, the page's own language, is not a link


def test_switching_language_sets_the_cookie_and_goes_to_the_page(client, incident):
    response = client.get(f"/language/it/?next=/incidents/{incident.public_id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/it/incidents/{incident.public_id}/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    assert "private" in response["Cache-Control"]


def test_switching_never_redirects_off_site(client, db):
    for elsewhere in ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com/",
                      "http:evil.example.com", "https:/evil.example.com"]:  # fmt: skip
        response = client.get("/language/fr/", {"next": elsewhere})
        assert (response.status_code, response["Location"]) == (302, "/fr/"), elsewhere


def test_root_sends_a_first_visit_to_the_browser_language(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/it/"
    # One visitor's answer: no shared cache keeps it.
    assert "private" in response["Cache-Control"]


def test_root_maps_a_regional_variant(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9")
    assert response["Location"] == "/pt-br/"


def test_root_stays_english_for_english_or_unknown_browsers(client, db):
    for header in ("en-US,en;q=0.9", "nl-NL,nl;q=0.9", ""):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 200
        # One English copy for a shared cache (the cache in front redirects the others).
        assert response["Vary"] == "Accept-Encoding"


def test_a_visitor_who_chose_english_stays_on_root(client, db):
    client.get("/language/en/?next=/")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_a_cached_english_root_is_never_served_to_a_first_visit_in_another_language(client, db):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["X-Cache"] == "HIT"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ja").status_code == 302


def test_pages_are_cached_per_language(client, incident):
    english = client.get(f"/incidents/{incident.public_id}/")
    italian = client.get(f"/it/incidents/{incident.public_id}/")
    assert italian["X-Cache"] == "MISS"
    assert client.get(f"/it/incidents/{incident.public_id}/")["X-Cache"] == "HIT"
    assert english.content != italian.content


def test_dates_and_interface_are_localized(client, pods):
    from incidents import services

    with time_machine.travel(utc(2024, 3, 21, 16, 0), tick=False):
        incident = services.incident_create(
            name="Slow logins",
            body="Investigating.",
            started_at=utc(2024, 3, 20, 19, 0),
            display_at=utc(2024, 3, 20, 20, 59),
        )
        services.incident_resolve(incident, body="Fixed.", display_at=utc(2024, 3, 21, 15, 35))
    expected = {
        "it": "21 marzo - 15:35 UTC | 08:35 PT",
        "fr": "21 mars - 15:35 UTC | 08:35 PT",
        "pt-br": "21 de março - 15:35 UTC | 08:35 PT",
        "es": "21 de marzo - 15:35 UTC | 08:35 PT",
        "de": "21. März - 15:35 UTC | 08:35 PT",
        "ja": "3月21日 - 15:35 UTC | 08:35 PT",
    }
    for code, stamp in expected.items():
        html = client.get(f"/{code}/incidents/{incident.public_id}/").content.decode()
        assert stamp in html, code
    italian = client.get(f"/it/incidents/{incident.public_id}/").content.decode()
    assert "Cronologia" in italian and "Risolto" in italian
    assert "20 marzo 2024 - 19:00 UTC | 12:00 PT" in italian


def test_numbers_are_localized(client, pods):
    html = client.get("/de/").content.decode()
    assert re.search(r"\d+,\d\d\s?%", html) or "100,00" in html
