"""The error pages and the sign-up pages on a phone (390 by 844 CSS pixels), in Chromium: no
sideways scrolling, every control at least 24 by 24 CSS pixels and labelled, and a reader who
opens a confirmation link twice is told it is confirmed already."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from incidents.models import Component, ComponentGroup
from incidents.notifications import tokens
from incidents.notifications.models import Subscriber, SubscriberState

pytestmark = pytest.mark.django_db(transaction=True)

MIN_TARGET = 24

# Controls smaller than MIN_TARGET in either direction (the skip link, off screen until
# focused, and hidden inputs aside), and controls without a label.
SMALL_TARGETS = """(minimum) => [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea")]
  .filter((el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    if (box.right <= 0 || box.bottom <= 0) return false;
    return box.width < minimum || box.height < minimum;
  })
  .map((el) => `${el.tagName} "${(el.textContent || el.name || "").trim()}" ` +
               `${Math.round(el.getBoundingClientRect().width)}x` +
               `${Math.round(el.getBoundingClientRect().height)}`)"""
UNLABELLED = """() => [...document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]), select, textarea")]
  .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label"))
  .map((el) => el.name || el.id)"""
SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


def fits_a_phone(page) -> None:
    assert page.evaluate(SIDEWAYS) <= 0, f"{page.url} scrolls sideways"
    assert page.evaluate(SMALL_TARGETS, MIN_TARGET) == [], page.url
    assert page.evaluate(UNLABELLED) == [], page.url


@pytest.fixture
def components(live_server):
    pods = ComponentGroup.objects.create(name="Pods", position=1)
    return [Component.objects.create(name=f"Pod {n}", group=pods, position=n) for n in (13, 14)] + [
        Component.objects.create(name="Customer billing and invoicing portal", position=9)
    ]


def test_the_404_page_on_a_phone_in_italian(phone, live_server, components):
    long_address = "/it/incidents/" + "a-very-long-address-nobody-should-have-typed" * 3 + "/"
    response = phone.goto(live_server.url + long_address)
    assert response.status == 404
    assert phone.locator("html").get_attribute("lang") == "it"
    expect(phone.locator(".masthead")).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    fits_a_phone(phone)
    phone.locator(".error-links a").first.click()
    expect(phone).to_have_url(live_server.url + "/it/")


def test_the_500_page_on_a_phone(phone, live_server, components, settings):
    with override_settings(ROOT_URLCONF="tests.test_error_pages"):
        response = phone.goto(live_server.url + "/de/fails/")
        assert response.status == 500
        assert phone.locator("html").get_attribute("lang") == "de"
        expect(phone.locator(".masthead")).to_be_visible()
        fits_a_phone(phone)
        link = phone.locator(".error-links a").first
        expect(link).to_have_attribute("href", "/de/")


def test_confirming_on_a_phone_then_opening_the_link_again(phone, live_server, components):
    subscriber = Subscriber.objects.create(
        email="a.reader.with.a.rather.long.address@subdomain.example.com",
        state=SubscriberState.PENDING,
        confirm_nonce="nonce0000001",
    )
    subscriber.components.set(components[::2])
    url = f"{live_server.url}/subscribe/confirm/{tokens.make_token(subscriber, tokens.CONFIRM)}/"

    phone.goto(url)
    expect(phone.locator(".choices")).to_contain_text(subscriber.email)
    expect(phone.locator(".choices")).to_contain_text("Pods / Pod 13")
    expect(phone.locator(".choices")).to_contain_text("Customer billing and invoicing portal")
    fits_a_phone(phone)
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You are subscribed")
    fits_a_phone(phone)

    phone.goto(url)  # the mail's link, once more
    expect(phone.get_by_role("heading", level=1)).to_have_text("Already confirmed")
    expect(phone.get_by_text("This link does not work")).to_have_count(0)
    fits_a_phone(phone)
    phone.get_by_role("link", name=re.compile("Change your choices")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your subscription")
    fits_a_phone(phone)


def test_the_sign_up_form_on_a_phone(phone, live_server, components):
    phone.goto(live_server.url + "/it/subscribe/")
    expect(phone.get_by_label("Pod 13")).to_be_visible()
    fits_a_phone(phone)
