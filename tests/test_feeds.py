"""Feeds as feed readers see them: valid (no bozo), one entry per incident, latest update."""

import feedparser

from incidents import services
from tests.conftest import utc


def _parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return feedparser.parse(response.content)


def test_history_feeds_are_valid_with_one_entry_per_incident(client, make_incident, pods):
    incident = make_incident(name="Pod 13 errors", display_at=utc(2024, 3, 20, 20, 59),
                             started_at=utc(2024, 3, 20, 19))  # fmt: skip
    services.update_post(incident, status="identified", body="Found the **cause**.",
                         display_at=utc(2024, 3, 20, 21, 28))  # fmt: skip
    make_incident(name="Pod 14 slow", components={pods["Pod 14"]: "degraded_performance"})
    for url in ["/history.atom", "/history.rss"]:
        feed = _parse(client, url)
        assert not feed.bozo, feed.bozo_exception
        titles = [e.title for e in feed.entries]
        assert sorted(titles) == ["Pod 13 errors", "Pod 14 slow"]
        entry = next(e for e in feed.entries if e.title == "Pod 13 errors")
        assert entry.link.endswith(incident.get_absolute_url())
        assert "Identified" in entry.summary
        assert "<strong>cause</strong>" in entry.summary
        assert "21:28 UTC | 14:28 PT" in entry.summary


def test_component_feed_lists_only_its_incidents(client, make_incident, pods):
    make_incident(name="Pod 13 errors")
    make_incident(name="Pod 14 slow", components={pods["Pod 14"]: "degraded_performance"})
    feed = _parse(client, f"/components/{pods['Pod 14'].public_id}/history.atom")
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Pod 14 slow"]
    group = pods["Pod 14"].group
    feed = _parse(client, f"/components/{group.public_id}/history.rss")
    assert sorted(e.title for e in feed.entries) == ["Pod 13 errors", "Pod 14 slow"]


def test_unknown_component_feed_is_404(client, db):
    assert client.get("/components/nosuchthing0/history.atom").status_code == 404


def test_feed_text_is_sanitized(client, make_incident):
    make_incident(name="<script>x</script>", body="<img src=x onerror=alert(1)>")
    body = client.get("/history.atom").content.decode()
    assert "<script>" not in body and "onerror" not in body
