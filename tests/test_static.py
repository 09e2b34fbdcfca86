"""The status page's own assets, as production serves them: from our own host, small once
compressed, and cached for good by browsers and CDNs (collected with hashed names)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

BUDGET = 30 * 1024  # the page's own CSS and JS, compressed
# What a browser loads to show the page (links to other pages and feeds are not assets).
ASSET_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}


class Assets(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.urls: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "link" and ASSET_RELS & set((found.get("rel") or "").split()):
            self.urls.append(found["href"])
        elif tag in ("script", "img", "iframe", "source") and found.get("src"):
            self.urls.append(found["src"])


@pytest.fixture
def collected(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


@pytest.mark.slow
def test_status_page_assets_are_our_own_small_and_cached_for_good(collected, pods):
    html = Client().get("/").text
    assets = Assets(html).urls
    assert assets, "the page links no stylesheet or icon"
    assert all(url.startswith("/static/") for url in assets), assets
    # The page's own CSS and JS, and the banner other sites embed, travel compressed.
    scripts_and_styles = [url for url in assets if url.endswith((".css", ".js"))]
    banner = next(collected.glob("incidents/banner.*.js")).relative_to(collected)
    scripts_and_styles.append(f"/static/{banner}")
    compressed = sum(
        (collected / (url.removeprefix("/static/") + ".gz")).stat().st_size
        for url in scripts_and_styles
    )
    assert compressed < BUDGET, f"{compressed} bytes compressed"

    serve = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    for url in assets:
        response = serve(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip"))
        assert response.status_code == 200, url
        assert "immutable" in response["Cache-Control"], (url, response["Cache-Control"])
        max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
        assert max_age >= 365 * 24 * 3600, url
        if url.endswith((".css", ".js", ".svg")):
            assert response["Content-Encoding"] == "gzip", url
