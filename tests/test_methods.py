"""HEAD and OPTIONS on every public page that answers GET, cached or not."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from incidents.notifications import tokens

PAGES = [
    "/",
    "/it/",
    "/history/",
    "/history.atom",
    "/history.rss",
    "/maintenance.ics",
    "/subscribe/",
    "/subscribe/sent/",
    "/my/",
    "/pods/pod-13/",
    "/healthz",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
]


@pytest.fixture
def pages(make_incident):
    incident = make_incident()
    return [*PAGES, incident.get_absolute_url()]


def test_head_answers_as_get_without_a_body_on_a_miss_and_a_hit(client, pages):
    for path in pages:
        for attempt in ("miss", "hit"):
            if attempt == "miss":
                cache.clear()
            get = client.get(path)
            head = client.head(path)
            assert head.status_code == get.status_code == 200, (path, attempt)
            assert head.content == b""
            assert head["Content-Type"] == get["Content-Type"]
            assert int(head["Content-Length"]) == len(get.content), path


def test_options_names_the_methods_of_every_public_page(client, pages):
    for path in pages:
        response = client.options(path)
        assert response.status_code == 200, path
        allowed = {method.strip() for method in response["Allow"].split(",")}
        assert {"GET", "HEAD", "OPTIONS"} <= allowed, path
        assert response.content == b""
    assert "POST" in client.options("/subscribe/")["Allow"]


def test_token_pages_answer_head_and_options(client, db):
    from incidents.notifications.models import Subscriber, SubscriberState

    subscriber = Subscriber.objects.create(email="ana@example.com", state=SubscriberState.ACTIVE)
    for purpose, path in ((tokens.MANAGE, "manage"), (tokens.UNSUBSCRIBE, "unsubscribe")):
        url = f"/subscribe/{path}/{tokens.make_token(subscriber, purpose)}/"
        assert client.head(url).status_code == client.get(url).status_code == 200
        assert "HEAD" in client.options(url)["Allow"]


def test_a_wrong_method_is_still_refused(client, db):
    assert client.post("/history/").status_code == 405
    assert client.delete("/").status_code == 405
