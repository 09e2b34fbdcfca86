"""An incident update mail as a phone and a desktop mail client show it (Chromium renders what
the HTML part says): no sideways scrolling, a button big enough to tap, readable text."""

from __future__ import annotations

import pytest

from incidents import services
from incidents.models import ComponentStatus
from incidents.notifications.emails import personal, render_notification, subscriber_links
from incidents.notifications.models import Notification, Subscriber
from tests.conftest import utc

BODY = (
    "We rolled back **the config change**; details at "
    "https://example.com/a/very/long/link/that/does/not/break/on/its/own/"
    + "x" * 80
    + "\n\n- one\n- two\n\n`a-very-long-identifier-"
    + "y" * 60
    + "`"
)


@pytest.fixture
def update_mail(make_incident, pods) -> str:
    incident = make_incident(
        name="Slow logins on Pod 13 for customers in Europe",
        display_at=utc(2024, 3, 20, 20, 59),
        started_at=utc(2024, 3, 20, 19),
    )
    update = services.update_post(
        incident,
        status="identified",
        body=BODY,
        display_at=utc(2024, 3, 20, 21, 28),
        components={pods["Pod 13"]: ComponentStatus.MAJOR_OUTAGE},
    )
    reader = Subscriber.objects.create(email="reader@example.com", state="active")
    rendered = render_notification(Notification.objects.get(update=update), "en")
    return personal(rendered, *subscriber_links(reader)).html


@pytest.mark.parametrize("width", [390, 800])
def test_an_update_mail_fits_the_screen_with_a_tappable_button(browser, update_mail, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_content(update_mail)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        button = page.locator("a.button")
        assert button.is_visible()
        assert button.text_content() == "Details on the status page"
        box = button.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= width

        # Every piece of visible text is at least 14px.
        smallest = page.evaluate(
            """() => {
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              let smallest = Infinity;
              while (walker.nextNode()) {
                const node = walker.currentNode;
                if (!node.textContent.trim()) continue;
                const element = node.parentElement;
                if (!element.getClientRects().length) continue;
                smallest = Math.min(smallest, parseFloat(getComputedStyle(element).fontSize));
              }
              return smallest;
            }"""
        )
        assert smallest >= 14
        # The component change and the stamp are on screen.
        assert page.get_by_text("Partial outage → Major outage").is_visible()
        assert page.get_by_text("March 20 - 21:28 UTC | 14:28 PT").is_visible()
    finally:
        context.close()
