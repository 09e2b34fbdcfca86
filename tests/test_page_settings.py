"""The page's settings (`services.page`): what staff change shows on every page, in the feeds,
the APIs and the mails; colours that would make text unreadable and flags the page cannot
honour are refused, and nothing is saved."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.models import Page
from incidents.models.page import STYLESHEET_COLOURS
from incidents.services.page import contrast, page_update

STYLESHEET = Path(__file__).parent.parent / "incidents/static/incidents/status.css"


@pytest.fixture
def page_settings(db):
    return lambda **changes: page_update(changes)


def test_a_new_name_shows_on_the_cached_status_page_the_feeds_and_the_public_api(
    client, page_settings
):
    assert "Example Status" in client.get("/").text  # cached from now on
    page_settings(name="Acme Cloud Status", time_zone="Europe/Rome")
    assert "<title>Acme Cloud Status</title>" in client.get("/").text
    assert "Acme Cloud Status incident history" in client.get("/history.atom").text
    page = client.get("/api/v2/summary.json").json()["page"]
    assert page["name"] == "Acme Cloud Status" and page["time_zone"] == "Europe/Rome"


def test_unreadable_colours_are_refused_and_nothing_is_saved(page_settings):
    with pytest.raises(ValidationError) as refused:
        page_settings(name="Renamed", css_font_color="#e0e0e0")
    assert "contrast of" in str(refused.value) and "4.5:1" in str(refused.value)
    # A background change that leaves the existing text unreadable is refused as well.
    with pytest.raises(ValidationError, match="on the page background"):
        page_settings(css_body_background_color="#333333")
    assert Page.current().name == "Example Status"
    assert Page.current().css_font_color == ""


def test_a_banner_text_colour_must_be_readable_on_its_background(page_settings):
    with pytest.raises(ValidationError, match="incident_text_color"):
        page_settings(incident_background_color="#ffff00", incident_text_color="#ffffff")


def test_flags_the_page_cannot_honour_are_refused_with_the_reason(page_settings):
    with pytest.raises(ValidationError, match="sends no text messages"):
        page_settings(allow_sms_subscribers=True)
    with pytest.raises(ValidationError, match="audience-specific page access"):
        page_settings(viewers_must_be_team_members=True)
    with pytest.raises(ValidationError, match="SITE_URL"):
        page_settings(domain="status.elsewhere.example")
    with pytest.raises(ValidationError, match="not a setting"):
        page_settings(favicon_logo="https://example.com/logo.png")
    # Sent as the page is, they are accepted (clients send back what they read).
    page_settings(allow_sms_subscribers=False, allow_email_subscribers=True, domain="127.0.0.1")


def test_bad_values_get_the_fields_own_errors(page_settings):
    for zone in ("Mars/Olympus", "America", "../etc/passwd", "x" * 60):
        with pytest.raises(ValidationError, match="tz database"):
            page_settings(time_zone=zone)
    with pytest.raises(ValidationError, match="#rrggbb"):
        page_settings(css_link_color="red; background: url(x)")
    with pytest.raises(ValidationError):
        page_settings(branding="gold")


def test_support_staff_may_read_but_not_change_the_settings(support_user, manager_user):
    with pytest.raises(PermissionDenied):
        page_update({"name": "Mine now"}, actor=support_user)
    assert page_update({"name": "Managed"}, actor=manager_user).name == "Managed"


def test_colours_become_the_pages_theme(client, page_settings):
    assert "theme.css" not in client.get("/").text
    page_settings(css_link_color="#7a1fa2", css_greens="#146c2e")
    text = client.get("/").text
    link = re.search(r'href="(/theme\.css\?v=\w+)"', text)
    assert link
    css = client.get(link.group(1))
    assert css["Content-Type"].startswith("text/css")
    assert "--accent: #7a1fa2;" in css.text and "--ok: #146c2e;" in css.text


def test_the_stylesheets_colours_are_the_ones_contrast_is_checked_against():
    root = STYLESHEET.read_text().split("}", 1)[0]
    declared = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-f]{6})", root))
    assert {k: v for k, v in STYLESHEET_COLOURS.items() if k in declared} == declared
    assert set(declared) <= set(STYLESHEET_COLOURS)


def test_contrast_is_wcags():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_hidden_from_search_and_no_feeds(client, page_settings):
    page_settings(hidden_from_search=True, allow_rss_atom_feeds=False)
    assert '<meta name="robots" content="noindex">' in client.get("/").text
    assert client.get("/history.atom").status_code == 404
    assert client.get("/history.rss").status_code == 404


def test_description_headline_website_and_support_link(client, page_settings, make_incident):
    page_settings(
        page_description="Live status of Acme's products.",
        headline="Acme Cloud, every region",
        url="https://www.acme.example/",
        support_url="https://help.acme.example/new",
    )
    text = client.get("/").text
    assert '<meta name="description" content="Live status of Acme&#x27;s products.">' in text
    assert "Acme Cloud, every region" in text
    assert '<a href="https://www.acme.example/">www.acme.example</a>' in text
    incident = make_incident()
    assert 'href="https://help.acme.example/new"' in client.get(incident.get_absolute_url()).text


def test_the_admin_saves_through_the_service_and_shows_contrast_refusals(manager_client):
    url = reverse("admin:incidents_page_change", args=[1])
    assert manager_client.get(reverse("admin:incidents_page_changelist")).url == url
    form = manager_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(name="Acme status", css_font_color="#dddddd")
    refused = manager_client.post(url, data)
    assert refused.status_code == 200 and "contrast of" in refused.text
    assert Page.current().name == "Example Status"
    data["css_font_color"] = "#111111"
    assert manager_client.post(url, data).status_code == 302
    assert Page.current().name == "Acme status"
    assert Page.current().css_font_color == "#111111"


def test_the_support_staff_admin_is_read_only(support_client):
    url = reverse("admin:incidents_page_change", args=[1])
    assert support_client.get(url).status_code == 200
    assert support_client.post(url, {"name": "Mine"}).status_code == 403
