"""Sign-up with double opt-in: no enumeration, rate limits, bad input, signed links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from incidents.notifications import tokens
from incidents.notifications.models import Subscriber, SubscriberState

SUBSCRIBE = "/subscribe/"


def ask(client, email, **extra):
    return client.post(SUBSCRIBE, {"email": email, "language": "en", **extra})


def confirmation_link(received) -> str:
    match = re.search(r"https://status\.example\.com(/subscribe/confirm/[^/\s]+/)", received.text)
    assert match, received.text
    return match.group(1)


@pytest.fixture
def signup(db, client, smtp, eager, django_capture_on_commit_callbacks):
    def run(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return ask(client, email, **extra)

    return run


def test_double_opt_in_from_form_to_active(client, signup, smtp, pods):
    response = client.get(SUBSCRIBE + "?email=ana@example.com")
    assert 'value="ana@example.com"' in response.text
    assert "csrfmiddlewaretoken" in response.text
    response = signup("Ana@Example.com", components=[pods["Pod 13"].pk])
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ana@example.com"
    assert subscriber.state == SubscriberState.PENDING
    (mail,) = smtp.to("ana@example.com")
    assert "Confirm your subscription" in mail.message["Subject"]
    assert mail.message.get_body(("html",)) is not None
    link = confirmation_link(mail)
    page = client.get(link)  # a link scanner's GET changes nothing
    assert page.status_code == 200 and '<form method="post">' in page.text
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.PENDING
    assert client.post(link).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE
    assert list(subscriber.components.all()) == [pods["Pod 13"]]
    # Used once: the same link now gets the uniform "does not work" answer.
    assert client.post(link).status_code == 400


def test_the_reply_is_the_same_whether_or_not_the_address_is_known(
    client, signup, smtp, make_subscriber
):
    make_subscriber("known@example.com")
    known = signup("known@example.com")
    unknown = signup("unknown@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # An active subscriber is neither changed nor mailed.
    assert smtp.addresses == ["unknown@example.com"]
    assert Subscriber.objects.get(email="known@example.com").state == SubscriberState.ACTIVE


def test_nothing_else_is_sent_before_confirmation(
    signup, smtp, make_incident, make_subscriber, support_user, django_capture_on_commit_callbacks
):
    from incidents.notifications.models import Notification
    from incidents.notifications.services import notification_confirm

    signup("pending@example.com")
    make_subscriber("active@example.com")
    notification = Notification.objects.get(incident=make_incident())
    with django_capture_on_commit_callbacks(execute=True):  # the send runs in place (eager)
        notification_confirm(notification, actor=support_user, expected_count=1)
    assert smtp.addresses == ["pending@example.com", "active@example.com"]
    (only,) = smtp.to("pending@example.com")
    assert "Confirm your subscription" in only.message["Subject"]


def test_asking_again_sends_a_new_link_and_voids_the_old(client, signup, smtp):
    signup("twice@example.com")
    signup("twice@example.com")
    first, second = smtp.to("twice@example.com")
    assert client.post(confirmation_link(first)).status_code == 400
    assert client.post(confirmation_link(second)).status_code == 200


def test_coming_back_after_unsubscribing_voids_old_links(client, signup, smtp, make_subscriber):
    old = make_subscriber("back@example.com", state=SubscriberState.UNSUBSCRIBED)
    old_unsubscribe = tokens.make_token(old, tokens.UNSUBSCRIBE)
    signup("back@example.com")
    assert client.post(confirmation_link(smtp.to("back@example.com")[0])).status_code == 200
    assert client.post(f"/subscribe/unsubscribe/{old_unsubscribe}/").status_code == 400
    assert Subscriber.objects.get().state == SubscriberState.ACTIVE


def test_follow_one_incident_only_from_its_page(client, signup, make_incident):
    incident = make_incident()
    page = client.get(incident.get_absolute_url()).text
    assert 'action="/subscribe/"' in page and 'method="get"' in page
    assert f'name="incident" value="{incident.public_id}"' in page
    form = client.get(f"{SUBSCRIBE}?email=f@example.com&incident={incident.public_id}").text
    assert "Only this incident" in form
    signup("f@example.com", incident=incident.public_id, incidents_only="on")
    subscriber = Subscriber.objects.get()
    assert subscriber.incidents_only and list(subscriber.incidents.all()) == [incident]


def test_the_status_page_has_the_compact_form_without_a_csrf_token(client, db):
    page = client.get("/").text
    assert 'action="/subscribe/"' in page
    compact = page[page.index("subscribe-compact") :]
    assert "csrfmiddlewaretoken" not in compact[: compact.index("</form>")]


@pytest.mark.parametrize(
    "email",
    [
        "not-an-address",
        "a" * 250 + "@example.com",
        "victim@example.com\r\nBcc: everyone@example.com",
        "victim@example.com\nX-Injected: yes",
        "x@example.com%0d%0aBcc:y@example.com",
        "",
    ],
)
def test_bad_addresses_are_refused_and_nothing_happens(signup, smtp, email):
    response = signup(email)
    assert response.status_code == 400
    assert 'class="errors" role="alert"' in response.text
    assert not Subscriber.objects.exists()
    assert smtp.received == []


def test_an_unknown_language_or_component_is_refused(signup, smtp, db):
    assert signup("a@example.com", language="klingon").status_code == 400
    assert signup("a@example.com", components=["999999"]).status_code == 400
    assert not Subscriber.objects.exists() and smtp.received == []


def test_sign_ups_are_rate_limited_per_ip(settings, signup, smtp):
    settings.SUBSCRIBE_RATE = "3/10m"
    for n in range(3):
        assert signup(f"r{n}@example.com").status_code == 302
    response = signup("r9@example.com")
    assert response.status_code == 429
    assert not Subscriber.objects.filter(email="r9@example.com").exists()
    assert len(smtp.received) == 3


def test_sign_ups_are_rate_limited_per_address_silently(
    settings, smtp, eager, db, django_capture_on_commit_callbacks
):
    settings.SUBSCRIBE_RATE = "2/10m"
    for n in range(4):
        other_ip = Client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        with django_capture_on_commit_callbacks(execute=True):
            response = ask(other_ip, "target@example.com")
        assert response.status_code == 302  # the same answer as always
    assert Subscriber.objects.filter(email="target@example.com").count() == 1
    assert len(smtp.to("target@example.com")) == 2


def test_a_confirmation_link_expires(client, signup, smtp, settings):
    signup("late@example.com")
    link = confirmation_link(smtp.received[0])
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.SUBSCRIBE_CONFIRM_MAX_AGE + 60)
    ):
        assert client.get(link).status_code == 400
        assert client.post(link).status_code == 400
    assert Subscriber.objects.get().state == SubscriberState.PENDING


@pytest.mark.parametrize("path", ["confirm", "manage", "unsubscribe"])
def test_forged_and_wrong_purpose_tokens_get_the_same_answer(client, make_subscriber, path):
    subscriber = make_subscriber("a@example.com")
    other_purpose = tokens.make_token(
        subscriber, tokens.MANAGE if path != "manage" else tokens.UNSUBSCRIBE
    )
    forged = other_purpose[:-3] + ("AAA" if not other_purpose.endswith("AAA") else "BBB")
    answers = set()
    for token in (other_purpose, forged, "nonsense", "x" * 500):
        for method in (client.get, client.post):
            response = method(f"/subscribe/{path}/{token}/")
            answers.add((response.status_code, "This link does not work" in response.text))
    assert answers == {(400, True)}
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_a_known_and_a_new_address_take_the_same_path(client, db, make_subscriber, pods):
    """The reply cannot tell by its timing: the request itself reads no subscriber, it queues
    the sign-up, and both requests run the very same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_subscriber("known@example.com")
    runs = []
    for address in ("known@example.com", "new@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = ask(client, address, components=[pods["Pod 13"].pk])
        assert response.status_code == 302
        runs.append([query["sql"] for query in queries.captured_queries])
    assert runs[0] == runs[1]
    assert not any("notifications_subscriber" in sql for sql in runs[0])
