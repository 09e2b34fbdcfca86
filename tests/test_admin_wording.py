"""The staff side's small things that cost time under pressure: every Markdown preview is
labelled, every admin page has the site's icon."""

import re

import pytest

ADD_PAGES = [
    "/admin/incidents/incident/add/",
    "/admin/incidents/maintenance/add/",
    "/admin/incidents/postmortem/add/",
    "/admin/incidents/incidenttemplate/add/",
]


@pytest.mark.parametrize("url", ADD_PAGES)
def test_every_markdown_preview_is_labelled(manager_client, pods, url):
    text = manager_client.get(url).text
    previews = re.findall(r'<div class="markdownx-preview"[^>]*>', text)
    assert previews, "no Markdown field on the page"
    assert all("aria-labelledby=" in preview for preview in previews), previews
    assert text.count('class="markdownx-preview-label"') == len(previews)


def test_every_admin_page_has_the_icon(manager_client, client):
    assert 'rel="icon"' in manager_client.get("/admin/").text
    assert 'rel="icon"' in client.get("/admin/login/").text
    favicon = client.get("/favicon.ico")
    assert favicon.status_code in (301, 302) and favicon["Location"].endswith("favicon.svg")
