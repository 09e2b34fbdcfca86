"""A cached answer is keyed on exactly what it varies on: strangers can neither poison the
shared cache (a Host header in feed links) nor fill it (query strings a page does not read)."""

from __future__ import annotations

import pytest
from django.conf import settings


@pytest.fixture
def site(settings, make_incident):
    settings.SITE_URL = "https://status.example.com"
    return make_incident()


def test_feed_links_come_from_site_url_whatever_host_asked(client, site):
    poisoned = client.get("/history.atom?p=1", HTTP_HOST="127.0.0.1:6666")
    assert poisoned.status_code == 200
    for response in (poisoned, client.get("/history.atom?p=1"), client.get("/history.rss")):
        text = response.content.decode()
        assert "6666" not in text and "testserver" not in text
        assert f"{settings.SITE_URL}{site.get_absolute_url()}" in text


@pytest.mark.parametrize("path", ["/", "/history/", "/api/v2/summary.json", "/history.atom"])
def test_parameters_a_page_does_not_read_make_no_new_entry(client, site, path):
    assert client.get(path + "?cb=0")["X-Cache"] == "MISS"
    for n in range(1, 30):
        assert client.get(f"{path}?cb={n}&utm_source=x{n}")["X-Cache"] == "HIT"
    assert client.get(path)["X-Cache"] == "HIT"


def test_the_parameters_a_page_reads_still_tell_answers_apart(client, site):
    march = client.get("/history/?month=2024-03")
    assert march["X-Cache"] == "MISS"
    assert client.get("/history/?month=2024-03&cb=1")["X-Cache"] == "HIT"
    february = client.get("/history/?cb=1&month=2024-02")
    assert february["X-Cache"] == "MISS"
    assert february.content != march.content
    pod = site.affected.get().component.public_id
    assert client.get(f"/api/v2/incidents.json?component={pod}")["X-Cache"] == "MISS"
    assert client.get(f"/api/v2/incidents.json?lang=it&component={pod}")["X-Cache"] == "MISS"


def test_the_page_never_sees_a_parameter_it_does_not_read(client, site):
    """Its own links (the language switcher) are built from the address it was asked for."""
    page = client.get("/?next=https://evil.example&cb=7").content.decode()
    assert "evil.example" not in page and "cb=7" not in page


def test_a_month_no_status_page_can_mean_is_not_a_page(client, db):
    for month in ("9999-12", "0001-01", "2024-13", "garbage"):
        assert client.get(f"/history/?month={month}").status_code == 404
