"""The status page during an outage, in Chromium: the cards tell what is broken, where and
since when on a desktop and on a phone; the page picks up news by itself; a reader's own time
zone joins UTC and PT and is remembered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from incidents import services, viewmodels
from incidents.models import Component, ComponentGroup, ComponentStatus
from tests.conftest import utc

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

GREEN = "rgb(26, 127, 55)"  # --ok


@pytest.fixture
def outage(live_server):
    group = services.group_save(ComponentGroup(name="Pods"))
    pods = [
        services.component_save(Component(group=group, name=f"Pod {n}", position=n))
        for n in range(10, 30)
    ]
    products = services.group_save(ComponentGroup(name="Products", position=1))
    billing = services.component_save(Component(group=products, name="Billing"))
    incident = services.incident_create(
        name="Logins fail on Pod 13",
        body="We are looking at the login service.",
        components={pods[3]: ComponentStatus.PARTIAL_OUTAGE, billing: "degraded_performance"},
        started_at=utc(2024, 3, 20, 19),
        display_at=utc(2024, 3, 20, 20, 59),
    )
    return incident


@pytest.fixture
def visit(browser, live_server):
    """A page of its own viewport (and time zone), failing the test on a JavaScript error."""
    contexts, errors = [], []

    def open_page(path="/", *, viewport=DESKTOP, timezone_id="Europe/Rome"):
        context = browser.new_context(
            viewport=viewport, is_mobile=viewport is PHONE, timezone_id=timezone_id
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sideways(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_card_tells_what_where_and_since_when(visit, outage, viewport):
    services.incident_create(name="Noisy reports", body="x" * 5000, impact_override="none")
    page = visit(viewport=viewport)
    card = page.locator("article.incident", has=page.get_by_role("link", name=outage.name))
    expect(card).to_be_visible()
    expect(card.locator(".card-facts")).to_contain_text("Started")
    expect(card.locator(".card-facts")).to_contain_text("March 20 - 19:00 UTC | 12:00 PT")
    expect(card.locator(".card-facts")).to_contain_text("Impact")
    affected = card.locator(".card-affected li")
    expect(affected).to_have_text(
        [re.compile(r"Pods · Pod 13\s*◆\s*Partial outage"),
         re.compile(r"Products · Billing\s*▲\s*Degraded performance")]
    )  # fmt: skip
    expect(card.locator(".latest")).to_contain_text("Investigating")
    expect(card.locator(".latest")).to_contain_text("We are looking at the login service.")
    expect(card.locator(".meta time")).to_have_text("March 20 - 20:59 UTC | 13:59 PT")
    # The worst first: the major incident above the one with no impact assessed yet.
    headings = page.locator(".open-incidents h3")
    expect(headings).to_have_text([outage.name, "Noisy reports"])
    # A 5,000-character word wraps inside its card: the page does not scroll sideways.
    assert sideways(page) <= 0, f"the page scrolls sideways by {sideways(page)}px"
    noisy = page.locator("article.incident", has_text="Noisy reports")
    box, main = noisy.bounding_box(), page.locator("main").bounding_box()
    assert box["x"] + box["width"] <= main["x"] + main["width"] + 1
    # An open incident is never green, whatever its impact.
    accent = noisy.evaluate("card => getComputedStyle(card).borderLeftColor")
    assert accent != GREEN
    expect(page.locator(".page-updated time")).to_contain_text(
        re.compile(r"^Updated .* UTC \| .* PT$")
    )


def test_the_page_picks_up_a_new_update_without_losing_place_or_focus(visit, outage, monkeypatch):
    monkeypatch.setattr(viewmodels, "REFRESH_SECONDS", 1)
    page = visit(viewport={"width": 1280, "height": 500})
    card = page.locator("article.incident", has=page.get_by_role("link", name=outage.name))
    expect(card.locator(".latest")).to_contain_text("We are looking at the login service.")
    link = page.get_by_role("link", name=outage.name)
    link.focus()
    page.mouse.wheel(0, 240)
    page.wait_for_function("window.scrollY >= 200")
    scrolled = page.evaluate("window.scrollY")

    services.update_post(
        outage,
        status="identified",
        body="A bad certificate on Pod 13; replacing it.",
        components={Component.objects.get(name="Pod 13"): ComponentStatus.MAJOR_OUTAGE},
    )
    expect(card.locator(".latest")).to_contain_text(
        "A bad certificate on Pod 13; replacing it.", timeout=15_000
    )
    expect(card.locator(".latest")).to_contain_text("Identified")
    expect(card.locator(".card-affected li").first).to_contain_text("Major outage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Major Service Outage")
    assert page.evaluate("window.scrollY") == scrolled
    expect(link).to_be_focused()

    services.incident_resolve(outage, body="Replaced; all good.")
    expect(page.locator(".open-incidents")).to_have_count(0, timeout=15_000)
    expect(page.locator(".recent")).to_contain_text("Replaced; all good.")
    expect(page.locator("[data-refresh-seconds]")).to_have_count(0)  # and it stops asking


def test_a_reader_adds_their_zone_to_every_stamp_and_it_is_remembered(visit, outage):
    page = visit()
    stamp = page.locator("article.incident .meta time")
    expect(stamp).to_have_text("March 20 - 20:59 UTC | 13:59 PT")
    zone = page.get_by_label("Also show times in")
    zone.select_option("Europe/Berlin")
    expect(stamp).to_have_text(
        re.compile(r"^March 20 - 20:59 UTC \| 13:59 PT \| 21:59 (CET|GMT\+1)$")
    )
    started = page.locator(".card-facts time")
    expect(started).to_have_text(re.compile(r"19:00 UTC \| 12:00 PT \| 20:00 (CET|GMT\+1)$"))
    # Another calendar day there than in Pacific time: the date goes in front.
    zone.select_option("Asia/Tokyo")
    expect(stamp).to_have_text(re.compile(r"13:59 PT \| March 21 - 05:59 (JST|GMT\+9)$"))

    page.reload()
    expect(page.get_by_label("Also show times in")).to_have_value("Asia/Tokyo")
    expect(stamp).to_have_text(re.compile(r"13:59 PT \| March 21 - 05:59 (JST|GMT\+9)$"))
    page.goto(page.url + outage.get_absolute_url().lstrip("/"))
    expect(page.locator(".timeline .stamp time").first).to_contain_text("05:59")

    page.goto(page.url.split("/incidents/")[0] + "/")
    page.get_by_label("Also show times in").select_option("")
    expect(stamp).to_have_text("March 20 - 20:59 UTC | 13:59 PT")
    page.reload()
    expect(stamp).to_have_text("March 20 - 20:59 UTC | 13:59 PT")


def test_the_zone_control_works_by_keyboard_on_a_phone(visit, outage):
    page = visit(viewport=PHONE, timezone_id="Asia/Kolkata")
    zone = page.get_by_label("Also show times in")
    expect(zone.locator("option[value=auto]")).to_have_text(
        re.compile(r"^My time zone \(Asia/(Kolkata|Calcutta)\)$")
    )
    zone.focus()
    expect(zone).to_be_focused()
    page.keyboard.press("ArrowDown")  # from "none" to "my time zone"
    expect(zone).to_have_value("auto")
    stamp = page.locator("article.incident .meta time")
    expect(stamp).to_have_text(re.compile(r"13:59 PT \| March 21 - 02:29 (IST|GMT\+5:30)$"))
    zone.scroll_into_view_if_needed()
    box = zone.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert sideways(page) <= 0


def test_the_page_works_without_javascript(browser, live_server, outage):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name=outage.name)).to_be_visible()
    expect(page.get_by_label("Also show times in")).to_have_count(0)
    services.update_post(outage, status="identified", body="Found it.")
    page.reload()
    expect(page.locator("article.incident .latest")).to_contain_text("Found it.")
    context.close()
