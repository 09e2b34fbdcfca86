"""The "Get updates" area of the status, incident and pod pages, and the feeds a browser or a
feed reader discovers: email, Atom/RSS, the maintenance calendar and webhooks, each in the
page's language; on a pod's page the pod's own feeds."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from incidents.pods.links import pod_url
from incidents.services.page import page_update


def area(text: str) -> str:
    start = text.index('class="subscribe-compact"')
    return text[start : text.index("</section>", start)]


def head(text: str) -> str:
    return text[: text.index("</head>")]


@pytest.mark.parametrize("prefix", ["", "/it", "/pt-br"])
def test_the_status_page_offers_every_way_to_follow_in_its_language(client, pods, prefix):
    text = area(client.get(f"{prefix}/").text)
    assert f'action="{prefix}/subscribe/"' in text
    assert f'href="{prefix}/history.atom"' in text and f'href="{prefix}/history.rss"' in text
    assert f'href="{prefix}/maintenance.ics"' in text
    assert f"webcal://127.0.0.1:8000{prefix}/maintenance.ics" in text
    # Readers cannot add a webhook themselves: the area says who does, and how to ask.
    language = {"": "en", "/it": "it", "/pt-br": "pt-br"}[prefix]
    with translation.override(language):
        assert gettext("ask us") != "ask us" or language == "en"
        webhooks = gettext(
            "We can POST every incident update as JSON to an address of yours, in Statuspage's "
            "webhook format. Webhooks are set up by our staff:"
        )
        assert webhooks in text
        assert f'href="mailto:support@example.com">{escape(gettext("ask us"))}</a>' in text


def test_the_incident_page_offers_them_too(client, make_incident):
    incident = make_incident()
    text = area(client.get(f"/it{incident.get_absolute_url()}").text)
    assert f'name="incident" value="{incident.public_id}"' in text
    assert 'href="/it/history.atom"' in text and 'href="/it/maintenance.ics"' in text


def test_the_pod_page_offers_the_pods_own_feeds(client, pods):
    pod = pods["Pod 13"]
    text = client.get(f"/it{pod_url(pod)}").text
    atom = f"/it/components/{pod.public_id}/history.atom"
    rss = f"/it/components/{pod.public_id}/history.rss"
    assert f'href="{atom}"' in area(text) and f'href="{rss}"' in area(text)
    feeds = r'<link rel="alternate" type="application/(atom|rss)\+xml"'
    links = re.findall(feeds, head(text))
    assert links == ["atom", "rss", "atom", "rss"]  # the pod's first, then the whole page's
    assert f'href="http://127.0.0.1:8000{atom}"' in head(text)
    assert 'href="http://127.0.0.1:8000/it/history.atom"' in head(text)
    # And they are real feeds of that pod.
    feed = client.get(atom)
    assert feed.status_code == 200 and "Pod 13" in feed.text


def test_feeds_switched_off_are_not_offered(client, pods):
    page_update({"allow_rss_atom_feeds": False})
    text = client.get(pod_url(pods["Pod 13"])).text
    assert "history.atom" not in area(text) and "/components/" not in head(text)
    assert "/maintenance.ics" in area(text)
    assert "history.rss" not in area(client.get("/").text)
