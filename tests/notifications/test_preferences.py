"""Manage preferences and one-click unsubscribe (RFC 8058) from the links in every mail."""

from __future__ import annotations

from django.test import Client

from incidents.notifications import tokens
from incidents.notifications.models import SubscriberState


def test_one_click_unsubscribe_works_without_cookies(make_subscriber):
    subscriber = make_subscriber("leave@example.com")
    url = f"/subscribe/unsubscribe/{tokens.make_token(subscriber, tokens.UNSUBSCRIBE)}/"
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token
    response = mail_client.post(url, "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED
    # Again: harmless, same answer.
    assert mail_client.post(url).status_code == 200


def test_the_unsubscribe_link_shows_a_button_and_changes_nothing_on_get(client, make_subscriber):
    subscriber = make_subscriber()
    url = f"/subscribe/unsubscribe/{tokens.make_token(subscriber, tokens.UNSUBSCRIBE)}/"
    response = client.get(url)
    assert response.status_code == 200 and '<form method="post">' in response.text
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_manage_changes_language_and_components(client, make_subscriber, pods, settings):
    settings.LANGUAGES = [("en", "English"), ("it", "Italiano")]
    subscriber = make_subscriber()
    url = f"/subscribe/manage/{tokens.make_token(subscriber, tokens.MANAGE)}/"
    page = client.get(url)
    assert page.status_code == 200 and subscriber.email in page.text
    response = client.post(url, {"language": "it", "components": [pods["Pod 14"].pk]})
    assert response.status_code == 200 and "Your choices are saved" in response.text
    subscriber.refresh_from_db()
    assert subscriber.language == "it"
    assert list(subscriber.components.all()) == [pods["Pod 14"]]


def test_manage_refuses_bad_input_and_changes_nothing(client, make_subscriber, pods):
    subscriber = make_subscriber(components=[pods["Pod 13"]])
    url = f"/subscribe/manage/{tokens.make_token(subscriber, tokens.MANAGE)}/"
    for data in (
        {"language": "en\r\nBcc: x@example.com"},
        {"language": "en", "components": ["nope"]},
        {"language": "en", "incidents_only": "on"},  # follows no single incident
    ):
        assert client.post(url, data).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.language == "en"
    assert list(subscriber.components.all()) == [pods["Pod 13"]]
    assert not subscriber.incidents_only


def test_manage_link_of_someone_who_left_says_so(client, make_subscriber):
    subscriber = make_subscriber(state=SubscriberState.UNSUBSCRIBED)
    url = f"/subscribe/manage/{tokens.make_token(subscriber, tokens.MANAGE)}/"
    assert client.get(url).status_code == 410
