"""Whatever staff type, the public pages keep their layout on a phone: names of 200
characters, an update of 20,000 characters, one unbroken word of 5,000, right-to-left names
and names made of emoji only never make a page scroll sideways or run off the screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import Component, ComponentGroup, ComponentStatus, IncidentStatus

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

LONG_GROUP = "Regional" + "Datacenter" * 19 + "Eu"  # 200 characters, no space to break at
LONG_COMPONENT = "Notifications" * 15 + "Queue"  # 200 characters
ARABIC = "خدمة الفواتير والمدفوعات"
HEBREW = "מרכז העזרה והקהילה"
EMOJI = "🔥🚀✅"
PROSE = "The queue backs up when a consumer stalls, and we are draining it region by region. "
LONG_UPDATE = (PROSE * (20_000 // len(PROSE) + 1))[:20_000]
LONG_WORD = "x" * 5_000


@pytest.fixture
def bad_input(live_server, pods):
    """Components, a group and an incident with the worst input the services accept, on
    the status page, the incident's page, the history and Pod 13's page."""
    group = services.group_save(ComponentGroup(name=LONG_GROUP, position=5))
    long_component = services.component_save(Component(group=group, name=LONG_COMPONENT))
    arabic = services.component_save(Component(group=group, name=ARABIC))
    hebrew = services.component_save(Component(name=HEBREW, description=HEBREW * 3))
    emoji = services.component_save(Component(group=group, name=EMOJI, description=EMOJI))
    assert Component.objects.get(pk=long_component.pk).name == LONG_COMPONENT
    assert ComponentGroup.objects.get(pk=group.pk).name == LONG_GROUP

    start = timezone.now() - timedelta(days=2)
    components = {
        long_component: ComponentStatus.MAJOR_OUTAGE,
        arabic: ComponentStatus.PARTIAL_OUTAGE,
        hebrew: ComponentStatus.DEGRADED_PERFORMANCE,
        emoji: ComponentStatus.PARTIAL_OUTAGE,
        pods["Pod 13"]: ComponentStatus.DEGRADED_PERFORMANCE,
    }
    incident = services.incident_create(
        name="انقطاع " + LONG_COMPONENT, body=LONG_UPDATE, components=components,
        started_at=start, display_at=start, deliver_notifications=False,
    )  # fmt: skip
    services.update_post(
        incident, status=IncidentStatus.IDENTIFIED, body=f"Stuck message id: {LONG_WORD}",
        display_at=start + timedelta(minutes=30), deliver_notifications=False,
    )  # fmt: skip
    services.update_post(
        incident, status=IncidentStatus.MONITORING, body=f"{EMOJI} {ARABIC} {HEBREW}",
        display_at=start + timedelta(minutes=60), deliver_notifications=False,
    )  # fmt: skip
    resolved = services.incident_create(
        name=EMOJI, body=LONG_WORD, components={arabic: ComponentStatus.MAJOR_OUTAGE},
        started_at=start - timedelta(days=1), display_at=start - timedelta(days=1),
        deliver_notifications=False,
    )  # fmt: skip
    services.incident_resolve(resolved, body=ARABIC, deliver_notifications=False)
    return incident


# Every box that reaches past the right edge of the screen, even where an ancestor clips it.
SPILLS = """
(width) => {
  return [...document.body.querySelectorAll("*")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && el.checkVisibility();
  }).slice(0, 5).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> `
    + `${Math.round(el.getBoundingClientRect().right)} px`);
}
"""


def test_bad_input_never_widens_a_page_on_a_phone(browser, live_server, bad_input):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems = []
    try:
        for path in ["/", bad_input.get_absolute_url(), "/history/", "/pods/pod-13/"]:
            assert page.goto(live_server.url + path).status == 200, path
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            expect(page.get_by_text(EMOJI).first).to_be_attached()
            # A phone widens its layout to fit what overflows: compare with the screen too.
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > min(inner, PHONE["width"]):
                problems.append(f"{path} scrolls sideways: {scroll} px wide on a {inner} px screen")
            spills = page.evaluate(SPILLS, PHONE["width"])
            problems += [f"{path}: {spill} past the right edge" for spill in spills]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


STARTS_AT_THE_RIGHT = """
(el) => {
  const text = [...el.childNodes].find((node) => node.nodeType === Node.TEXT_NODE);
  const first = document.createRange();
  first.setStart(text, 0);
  first.setEnd(text, 1);
  return Math.abs(first.getBoundingClientRect().right - el.getBoundingClientRect().right) < 2;
}
"""


def test_the_long_and_right_to_left_names_are_readable(browser, live_server, bad_input):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + bad_input.get_absolute_url())
        expect(page.get_by_role("heading", level=1)).to_have_text("انقطاع " + LONG_COMPONENT)
        # A right-to-left name runs right to left, whatever the page's direction: its first
        # letter stands at the right edge of the heading.
        for locator in [page.get_by_role("heading", level=1), page.locator(".prose p").last]:
            assert locator.evaluate(STARTS_AT_THE_RIGHT), locator
        expect(page.locator(".timeline")).to_contain_text(LONG_WORD)
        expect(page.locator(".affected")).to_contain_text(LONG_COMPONENT)
    finally:
        context.close()
