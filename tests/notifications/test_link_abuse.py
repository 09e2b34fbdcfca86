"""Subscribe, confirm, manage and unsubscribe fed forged, expired, truncated, replayed and
cross-purpose tokens, oversize bodies and header-injection attempts: one uniform refusal,
nothing changed, nothing sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone

from incidents.notifications import tokens
from incidents.notifications.models import Subscriber, SubscriberState

PATHS = {
    tokens.CONFIRM: "/subscribe/confirm/{}/",
    tokens.MANAGE: "/subscribe/manage/{}/",
    tokens.UNSUBSCRIBE: "/subscribe/unsubscribe/{}/",
}


@pytest.fixture
def people(db):
    active = Subscriber.objects.create(email="active@example.com", state=SubscriberState.ACTIVE)
    pending = Subscriber.objects.create(
        email="pending@example.com", state=SubscriberState.PENDING, confirm_nonce="nonce1234"
    )
    return active, pending


def _state():
    return sorted(Subscriber.objects.values_list("email", "state", "link_key", "confirm_nonce"))


def _bad_tokens(active, pending) -> dict[str, list[str]]:
    good = {
        tokens.CONFIRM: tokens.make_token(pending, tokens.CONFIRM),
        tokens.MANAGE: tokens.make_token(active, tokens.MANAGE),
        tokens.UNSUBSCRIBE: tokens.make_token(active, tokens.UNSUBSCRIBE),
    }
    bad = {}
    for purpose, token in good.items():
        value, _, signature = token.rpartition(":")
        others = [t for p, t in good.items() if p != purpose]
        bad[purpose] = [
            "x",
            token[:-1],  # truncated
            token[: len(token) // 2],
            value + ":" + signature[::-1],  # forged signature
            signing.TimestampSigner(salt=purpose, key="another-key").sign(value),  # other key
            signing.TimestampSigner(salt=purpose).sign(f"{active.public_id}.guessed"),
            signing.TimestampSigner(salt=purpose).sign("nobody12345.key"),
            *others,  # made for another purpose
            token + "A" * 300,  # oversize
            "%0d%0aSet-Cookie:x=1",
        ]
    return bad


def test_bad_tokens_get_one_uniform_refusal_and_change_nothing(people):
    active, pending = people
    before = _state()
    answers = set()
    for purpose, candidates in _bad_tokens(active, pending).items():
        for token in candidates:
            url = PATHS[purpose].format(token)
            for method in ("get", "post"):
                response = getattr(Client(), method)(url)
                assert response.status_code in (400, 404), (url, response.status_code)
                if response.status_code == 400:
                    answers.add(response.content)
                assert "Set-Cookie" not in response or "x=1" not in response["Set-Cookie"]
    assert len(answers) == 1, "every refusal must look the same"
    assert _state() == before


def test_expired_links_are_refused_like_forged_ones(people):
    active, pending = people
    confirm = tokens.make_token(pending, tokens.CONFIRM)
    manage = tokens.make_token(active, tokens.MANAGE)
    forged = Client().get(PATHS[tokens.MANAGE].format("forged"))
    later = timezone.now() + timedelta(seconds=settings.SUBSCRIBE_CONFIRM_MAX_AGE + 60)
    with time_machine.travel(later):
        response = Client().post(PATHS[tokens.CONFIRM].format(confirm))
        assert response.status_code == 400 and response.content == forged.content
    much_later = timezone.now() + timedelta(seconds=settings.SUBSCRIBER_LINK_MAX_AGE + 60)
    with time_machine.travel(much_later):
        response = Client().get(PATHS[tokens.MANAGE].format(manage))
        assert response.status_code == 400 and response.content == forged.content
    assert Subscriber.objects.get(pk=pending.pk).state == SubscriberState.PENDING


def test_a_confirmation_link_works_once(people):
    _active, pending = people
    link = PATHS[tokens.CONFIRM].format(tokens.make_token(pending, tokens.CONFIRM))
    assert Client().post(link).status_code == 200
    confirmed = Subscriber.objects.get(pk=pending.pk)
    assert confirmed.state == SubscriberState.ACTIVE
    replay = Client().post(link)
    assert replay.status_code == 400


def test_old_links_die_when_someone_subscribes_again(people, client):
    active, _pending = people
    old_unsubscribe = tokens.make_token(active, tokens.UNSUBSCRIBE)
    assert Client().post(PATHS[tokens.UNSUBSCRIBE].format(old_unsubscribe)).status_code == 200
    from incidents.notifications.services import subscriber_request

    subscriber_request(email="active@example.com", language="en")
    again = Subscriber.objects.get(pk=active.pk)
    assert again.state == SubscriberState.PENDING
    assert Client().post(PATHS[tokens.UNSUBSCRIBE].format(old_unsubscribe)).status_code == 400
    assert Subscriber.objects.get(pk=active.pk).state == SubscriberState.PENDING


@pytest.mark.parametrize(
    "email",
    [
        "victim@example.com\r\nBcc: everyone@example.com",
        "victim@example.com\nSubject: hi",
        "victim@example.com%0d%0aBcc:x@example.com",
        "<victim@example.com>, other@example.com",
        "a" * 300 + "@example.com",
        "",
    ],
)
def test_subscribe_refuses_header_injection_and_sends_nothing(db, client, email, mailoutbox):
    response = client.post("/subscribe/", {"email": email, "language": "en"})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()
    assert mailoutbox == []


def test_oversize_bodies_are_refused(db, people):
    before = _state()
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    client = Client(raise_request_exception=False)
    response = client.post("/subscribe/", {"email": "big@example.com", "language": huge})
    assert response.status_code == 413  # Content Too Large, before anything reads the body
    too_many = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    manage = PATHS[tokens.MANAGE].format(tokens.make_token(people[0], tokens.MANAGE))
    assert client.post(manage, too_many).status_code == 400
    assert _state() == before


def test_pages_reached_by_a_token_never_write_it_back(make_subscriber, client):
    subscriber = make_subscriber("reader@example.com")
    for purpose, name in ((tokens.MANAGE, "manage"), (tokens.UNSUBSCRIBE, "unsubscribe")):
        token = tokens.make_token(subscriber, purpose)
        page = client.get(f"/subscribe/{name}/{token}/")
        assert page.status_code == 200
        assert token not in page.text  # not in the alternates nor in the language switcher
        assert 'hreflang="it" href="http://127.0.0.1:8000/it/subscribe/"' in page.text
