"""Statuspage's `Pages` and `StatusEmbedConfig` calls, through the generated client: the
page's settings read and changed as staff change them in the admin, refusals as JSON 4xx."""

import json
import urllib.request

import atlassian_statuspage as sp
import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]
PAGE = settings.STATUSPAGE_PAGE_ID


def _refused(status, call, *args):
    with pytest.raises(sp.rest.ApiException) as raised:
        call(*args)
    assert raised.value.status == status
    return json.loads(raised.value.body)["error"]


def test_the_page_is_listed_read_and_changed(client_for, manager_key, live_server):
    pages = sp.PagesApi(client_for(manager_key))
    [listed] = pages.get_pages()
    assert isinstance(listed, sp.Page) and listed.id == PAGE
    assert listed.name == "Example Status" and listed.css_font_color == "#1d2330"

    changed = pages.patch_pages_page_id(
        sp.PatchPages(
            page=sp.PatchPagesPage(
                name="Acme Status", time_zone="America/New_York", url="https://acme.example/"
            )
        ),
        PAGE,
    )
    assert (changed.name, changed.time_zone, changed.url) == (
        "Acme Status", "America/New_York", "https://acme.example/",
    )  # fmt: skip
    replaced = pages.put_pages_page_id(
        sp.PutPages(page=sp.PatchPagesPage(css_link_color="#1a4fa0", hidden_from_search=True)),
        PAGE,
    )
    assert replaced.name == "Acme Status"  # what was not sent stays
    assert replaced.css_link_color == "#1a4fa0" and replaced.hidden_from_search is True
    assert pages.get_pages_page_id(PAGE).css_link_color == "#1a4fa0"
    # Readers see it at once.
    with urllib.request.urlopen(f"{live_server.url}/api/v2/status.json") as answer:
        page = json.load(answer)["page"]
    assert page["name"] == "Acme Status" and page["time_zone"] == "America/New_York"


def test_refusals_name_the_field_and_save_nothing(client_for, manager_key):
    pages = sp.PagesApi(client_for(manager_key))
    error = _refused(
        422,
        pages.patch_pages_page_id,
        sp.PatchPages(page=sp.PatchPagesPage(name="Renamed", css_font_color="#cccccc")),
        PAGE,
    )
    assert error.startswith("css_font_color: #cccccc on") and "4.5:1" in error
    error = _refused(
        422,
        pages.patch_pages_page_id,
        sp.PatchPages(page=sp.PatchPagesPage(allow_sms_subscribers=True)),
        PAGE,
    )
    assert error == "allow_sms_subscribers: This page sends no text messages."
    assert pages.get_pages_page_id(PAGE).name == "Example Status"


def test_support_staff_read_the_settings_and_may_not_change_them(client_for, support_key):
    pages = sp.PagesApi(client_for(support_key))
    assert pages.get_pages_page_id(PAGE).id == PAGE
    error = _refused(
        403,
        pages.patch_pages_page_id,
        sp.PatchPages(page=sp.PatchPagesPage(name="Mine")),
        PAGE,
    )
    assert "may not change the page's settings" in error


def test_the_banner_settings_are_read_and_changed_and_public(client, client_for, manager_key):
    embed = sp.StatusEmbedConfigApi(client_for(manager_key))
    config = embed.get_pages_page_id_status_embed_config(PAGE)
    assert isinstance(config, sp.StatusEmbedConfig)
    assert config.position is None and config.incident_text_color == "#ffffff"
    changed = embed.patch_pages_page_id_status_embed_config(
        sp.PatchPagesPageIdStatusEmbedConfig(
            status_embed_config=sp.PatchPagesPageIdStatusEmbedConfigStatusEmbedConfig(
                position="bottom-left", maintenance_background_color="#174ea6"
            )
        ),
        PAGE,
    )
    assert changed.position == "bottom-left"
    assert changed.maintenance_background_color == "#174ea6"
    replaced = embed.put_pages_page_id_status_embed_config(
        sp.PutPagesPageIdStatusEmbedConfig(
            status_embed_config=sp.PatchPagesPageIdStatusEmbedConfigStatusEmbedConfig(
                incident_background_color="#7a1010"
            )
        ),
        PAGE,
    )
    assert replaced.position == "bottom-left" and replaced.incident_background_color == "#7a1010"
    error = _refused(
        422,
        embed.patch_pages_page_id_status_embed_config,
        sp.PatchPagesPageIdStatusEmbedConfig(
            status_embed_config=sp.PatchPagesPageIdStatusEmbedConfigStatusEmbedConfig(
                position="middle"
            )
        ),
        PAGE,
    )
    assert error.startswith("position:")
    public = client.get("/api/v2/embed.json")
    assert public["Access-Control-Allow-Origin"] == "*"
    assert public.json() == {
        "page_id": PAGE,
        "position": "bottom-left",
        "incident_background_color": "#7a1010",
        "incident_text_color": "#ffffff",
        "maintenance_background_color": "#174ea6",
        "maintenance_text_color": "#ffffff",
    }
