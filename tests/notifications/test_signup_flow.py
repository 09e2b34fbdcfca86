"""Signing up without getting lost: the confirmation page shows what is being confirmed, a
link opened again after confirming says "already confirmed" and leads to the subscription,
and only a link that is not ours (forged, expired, of a subscription that left) says the link
does not work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.utils import timezone

from incidents.notifications import tokens
from incidents.notifications.models import Subscriber, SubscriberState
from incidents.notifications.services import (
    subscriber_confirm,
    subscriber_request,
    subscriber_unsubscribe,
)

DOES_NOT_WORK = "This link does not work"
ALREADY = "Already confirmed"


def confirm_url(subscriber: Subscriber) -> str:
    return f"/subscribe/confirm/{tokens.make_token(subscriber, tokens.CONFIRM)}/"


def manage_link(text: str) -> str:
    found = re.search(r'href="(/subscribe/manage/[^/"]+/)"', text)
    assert found, text
    return found.group(1)


@pytest.fixture
def pending(db, pods, billing):
    return subscriber_request(
        email="ana@example.com", language="it", components=[pods["Pod 13"], billing]
    )


def test_the_confirm_page_shows_the_address_and_components_before_anything_changes(client, pending):
    url = confirm_url(pending)
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    assert "ana@example.com" in text
    assert "Pods / Pod 13" in text and "Billing" in text
    assert "All components" not in text
    assert "Italian" in text  # the language of the emails
    assert '<form method="post">' in text and ">Confirm</button>" in text
    assert url.split("/")[3] not in text  # the token is not written back into the page
    pending.refresh_from_db()
    assert pending.state == SubscriberState.PENDING


def test_no_component_chosen_reads_all_components(client, db):
    subscriber = subscriber_request(email="all@example.com")
    assert "All components" in client.get(confirm_url(subscriber)).text


def test_one_incident_only_reads_as_that_incident(client, make_incident):
    incident = make_incident(name="Slow logins on Pod 13")
    subscriber = subscriber_request(
        email="one@example.com", incidents=[incident], incidents_only=True
    )
    text = client.get(confirm_url(subscriber)).text
    assert "Slow logins on Pod 13" in text
    assert "only the incidents you follow" in text
    assert "All components" not in text


def test_confirming_shows_what_was_confirmed_and_the_way_to_change_it(client, pending):
    response = client.post(confirm_url(pending))
    assert response.status_code == 200
    assert "You are subscribed" in response.text
    assert "ana@example.com" in response.text and "Pod 13" in response.text
    manage = client.get(manage_link(response.text))
    assert manage.status_code == 200 and "ana@example.com" in manage.text


def test_opening_the_link_again_says_already_confirmed_and_leads_to_the_subscription(
    client, pending
):
    url = confirm_url(pending)
    assert client.post(url).status_code == 200
    again = client.get(url)
    assert again.status_code == 200
    assert ALREADY in again.text and DOES_NOT_WORK not in again.text
    assert "ana@example.com" in again.text and "Pod 13" in again.text
    manage = client.get(manage_link(again.text))
    assert manage.status_code == 200 and "Your subscription" in manage.text


def test_pressing_confirm_twice_says_already_confirmed_and_changes_nothing(client, pending):
    url = confirm_url(pending)
    client.post(url)
    confirmed = Subscriber.objects.get(pk=pending.pk)
    twice = client.post(url)
    assert twice.status_code == 400  # nothing was done
    assert ALREADY in twice.text and DOES_NOT_WORK not in twice.text
    again = Subscriber.objects.get(pk=pending.pk)
    assert (again.state, again.confirmed_at) == (SubscriberState.ACTIVE, confirmed.confirmed_at)


def test_an_older_link_of_the_same_subscription_says_already_confirmed_too(client, db):
    first = confirm_url(subscriber_request(email="twice@example.com"))
    second = confirm_url(subscriber_request(email="twice@example.com"))
    assert DOES_NOT_WORK in client.get(first).text  # superseded while pending
    client.post(second)
    assert ALREADY in client.get(first).text


def test_staff_activating_a_pending_subscriber_makes_the_link_say_already_confirmed(
    client, pending, manager_user
):
    from incidents.notifications.services import subscriber_add

    url = confirm_url(pending)
    subscriber_add(email="ana@example.com", skip_confirmation=True, actor=manager_user)
    assert ALREADY in client.get(url).text


def test_forged_links_still_say_the_link_does_not_work(client, pending):
    url = confirm_url(pending)
    subscriber_confirm(url.split("/")[3])
    token = url.split("/")[3]
    value, _, signature = token.rpartition(":")
    forged = [
        value + ":" + signature[::-1],
        signing.TimestampSigner(salt=tokens.CONFIRM, key="another-key").sign(value),
        # Ours in form, but naming the active subscriber with a guessed link key.
        signing.TimestampSigner(salt=tokens.CONFIRM).sign(f"{pending.public_id}.x.guessed"),
        tokens.make_token(pending, tokens.MANAGE),  # another purpose
    ]
    for candidate in forged:
        for method in (client.get, client.post):
            response = method(f"/subscribe/confirm/{candidate}/")
            assert response.status_code == 400
            assert DOES_NOT_WORK in response.text and ALREADY not in response.text


def test_an_expired_link_does_not_work_even_after_confirming(client, pending):
    url = confirm_url(pending)
    client.post(url)
    later = timezone.now() + timedelta(seconds=settings.SUBSCRIBE_CONFIRM_MAX_AGE + 60)
    with time_machine.travel(later):
        response = client.get(url)
    assert response.status_code == 400 and DOES_NOT_WORK in response.text


def test_a_link_of_a_subscription_that_left_does_not_work(client, pending):
    old = confirm_url(pending)
    client.post(old)
    subscriber_unsubscribe(Subscriber.objects.get(pk=pending.pk))
    assert DOES_NOT_WORK in client.get(old).text
    # Back again, and confirmed with the new link: the old one is still not theirs.
    again = subscriber_request(email="ana@example.com")
    client.post(confirm_url(again))
    assert DOES_NOT_WORK in client.get(old).text


def test_every_input_of_the_sign_up_pages_is_labelled(client, pending):
    url = confirm_url(pending)
    pages = [client.get("/subscribe/").text, client.get(url).text]
    client.post(url)
    pages.append(client.get(manage_link(client.get(url).text)).text)
    for text in pages:
        main = text[text.index("<main") : text.index("</main>")]
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", main):
            if 'type="hidden"' in tag or 'type="submit"' in tag:
                continue
            found = re.search(r'id="([^"]+)"', tag)
            assert found, tag
            assert f'for="{found.group(1)}"' in main, f"no label for {tag}"
