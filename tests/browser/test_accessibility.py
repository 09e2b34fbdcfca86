"""WCAG 2.2 AA on the public pages, checked in Chromium with realistic data (the demo, plus an
open incident and a recently resolved one with its postmortem, so that the uptime bars show
them): axe-core finds no serious or critical violation, in English and Italian, on a desktop
and on a phone; on a phone every control is at least 24 by 24 CSS pixels or spaced as WCAG
2.5.8 allows; the keyboard reaches every control of the status page, each visibly focused.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services, timefmt
from incidents.models import Component, ComponentStatus, Incident, IncidentStatus
from incidents.notifications import tokens
from incidents.notifications.services import subscriber_confirm, subscriber_request
from incidents.operations.demo import INCIDENT_NAME

from ..processes import ROOT, missing
from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"desktop": DESKTOP, "phone": PHONE}
MIN_TARGET = 24  # CSS pixels, WCAG 2.2 success criterion 2.5.8


@pytest.fixture
def site(live_server):
    """The demo, an open incident with three updates, and a resolved one with a published
    postmortem five days ago; the paths of the pages a reader visits."""
    call_command("loaddemo")
    pod14, support = Component.objects.get(name="Pod 14"), Component.objects.get(name="Support")
    now = timezone.now()
    start = now - timedelta(hours=2)
    open_incident = services.incident_create(
        name="Slow ticket search on Pod 14",
        body="We are investigating reports of slow searches in the agent workspace.",
        components={pod14: "partial_outage", support: "degraded_performance"},
        started_at=start, display_at=start, deliver_notifications=False,
    )  # fmt: skip
    services.update_post(
        open_incident, status=IncidentStatus.IDENTIFIED, display_at=start + timedelta(minutes=40),
        body="We found an overloaded search index and are moving traffic off it.",
        deliver_notifications=False,
    )  # fmt: skip
    services.update_post(
        open_incident, status=IncidentStatus.MONITORING, display_at=start + timedelta(minutes=90),
        body="Searches are fast again for most accounts; we are watching the index.",
        deliver_notifications=False, next_update_in=60,
    )  # fmt: skip

    # Five days ago at 10:00 in the uptime's zone: fifty minutes within one of its days.
    pod13 = Component.objects.get(name="Pod 13")
    start = (now.astimezone(timefmt.reference_zone().tz) - timedelta(days=5)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    resolved = services.incident_create(
        name="Pod 13 unreachable", body="Pod 13 does not answer; we are looking into it.",
        components={pod13: ComponentStatus.MAJOR_OUTAGE}, started_at=start, display_at=start,
        deliver_notifications=False,
    )  # fmt: skip
    end = start + timedelta(minutes=50)
    services.incident_resolve(
        resolved, body="Pod 13 answers again.", resolved_at=end, display_at=end,
        deliver_notifications=False,
    )  # fmt: skip
    postmortem = services.postmortem_save_draft(
        resolved, root_cause="A failed load balancer.", resolution="We replaced it."
    )
    services.remediation_item_add(postmortem, description="Alert on a silent balancer.")
    services.postmortem_publish(postmortem, notify=False)

    subscriber = subscriber_request(email="reader@example.com")
    subscriber_confirm(tokens.make_token(subscriber, tokens.CONFIRM))
    demo = Incident.objects.get(name=INCIDENT_NAME)
    paths = [
        "/",
        open_incident.get_absolute_url(),
        resolved.get_absolute_url(),
        demo.get_absolute_url(),
        "/history/",
        "/subscribe/",
        "/my/",
        "/pods/pod-13/",
    ]
    manage = f"/subscribe/manage/{tokens.make_token(subscriber, tokens.MANAGE)}/"
    return SimpleNamespace(url=live_server.url, paths=paths, manage=manage, demo=demo)


def in_both_languages(paths: list[str]) -> list[str]:
    return [*paths, *(f"/it{path}" for path in paths)]


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        missing(f"{AXE} not found (make install runs npm ci; needs npm: apt-get install npm)")
    return AXE.read_text()


def axe_violations(browser, url: str, viewport: dict, source: str) -> list[dict]:
    """axe-core's serious and critical violations of WCAG 2.x A and AA on the page at `url`.

    axe is injected as an inline script, which the site's Content-Security-Policy blocks: this
    context alone bypasses it; every other test sees the pages under their real policy."""
    context = browser.new_context(viewport=viewport, bypass_csp=True, is_mobile=viewport == PHONE)
    try:
        page = context.new_page()
        response = page.goto(url)
        assert response.status == 200, url
        page.add_script_tag(content=source)
        found = page.evaluate(
            """async (tags) => {
                const results = await axe.run(document, {
                    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                });
                return results.violations;
            }""",
            AXE_TAGS,
        )
    finally:
        context.close()
    return [v for v in found if v["impact"] in ("serious", "critical")]


def describe(path: str, size: str, violation: dict) -> str:
    nodes = violation["nodes"]
    targets = ", ".join(" ".join(node["target"]) for node in nodes[:3])
    more = f" (+{len(nodes) - 3} more)" if len(nodes) > 3 else ""
    summary = nodes[0].get("failureSummary", "").replace("\n", " ") if nodes else ""
    what = f"{violation['id']} ({violation['impact']}): {violation['help']}"
    return f"{path} [{size}] {what} at {targets}{more}. {summary}"


def test_axe_finds_no_serious_or_critical_violation(browser, site, axe_source):
    problems = []
    for path in in_both_languages([*site.paths, site.manage]):
        for size, viewport in SIZES.items():
            for violation in axe_violations(browser, site.url + path, viewport, axe_source):
                problems.append(describe(path, size, violation))
    assert not problems, "\n".join(problems)


# Every control a finger or a keyboard can reach, as laid out now (a hidden one has no box).
CONTROLS = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[tabindex]:not([tabindex='-1'])"
)
TARGETS = """
(selector) => {
  const describe = (el) => {
    const text = (el.textContent || el.value || el.getAttribute("aria-label") || "").trim();
    return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
      + `${el.className ? "." + String(el.className).trim().replace(/\\s+/g, ".") : ""}> `
      + JSON.stringify(text.slice(0, 40));
  };
  // A link in running text: inside a paragraph that also holds other words.
  const inline = (el) => {
    const p = el.tagName === "A" && el.closest("p");
    return Boolean(p) && p.textContent.trim().length > el.textContent.trim().length;
  };
  return [...document.querySelectorAll(selector)].flatMap((el) => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || !el.checkVisibility({visibilityProperty: true})) return [];
    if (box.right <= 0) return [];  // moved off screen until focused (the skip link)
    return [{
      name: describe(el), inline: inline(el),
      x: box.x, y: box.y + window.scrollY, width: box.width, height: box.height,
    }];
  });
}
"""


def distance_to_box(x: float, y: float, box: dict) -> float:
    dx = max(box["x"] - x, 0, x - (box["x"] + box["width"]))
    dy = max(box["y"] - y, 0, y - (box["y"] + box["height"]))
    return (dx * dx + dy * dy) ** 0.5


def too_small(targets: list[dict]) -> list[str]:
    """The targets under 24 by 24 px that fail WCAG 2.5.8's spacing exception: a 24 px circle
    centred on each undersized target intersects another target or another one's circle.
    Links in running text are exempt (the inline exception)."""
    radius = MIN_TARGET / 2
    small = [t for t in targets if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]
    failing = []
    for target in small:
        if target["inline"]:
            continue
        cx, cy = target["x"] + target["width"] / 2, target["y"] + target["height"] / 2
        for other in targets:
            if other is target:
                continue
            ox, oy = other["x"] + other["width"] / 2, other["y"] + other["height"] / 2
            if distance_to_box(cx, cy, other) < radius or (
                other in small and ((cx - ox) ** 2 + (cy - oy) ** 2) ** 0.5 < MIN_TARGET
            ):
                failing.append(
                    f"{target['name']} is {target['width']:.1f}x{target['height']:.1f} px, "
                    f"too close to {other['name']}"
                )
                break
    return failing


def test_every_control_is_big_enough_to_tap_on_a_phone(browser, site):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems = []
    try:
        for path in in_both_languages([*site.paths, site.manage]):
            assert page.goto(site.url + path).status == 200, path
            # Whatever a disclosure holds counts too.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            targets = page.evaluate(TARGETS, CONTROLS)
            problems += [f"{path}: {problem}" for problem in too_small(targets)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# The element that has the keyboard's focus: what it is, whether the browser shows it as
# focused, its outline, and the contrast of that outline with what lies behind it.
FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.tabbed) {
    el.dataset.tabbed = String(document.querySelectorAll("[data-tabbed]").length);
  }
  const style = getComputedStyle(el);
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let behind = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const background = rgb(getComputedStyle(node).backgroundColor);
    if (background.length === 3 || background[3] > 0) { behind = background.slice(0, 3); break; }
  }
  const shades = [luminance(rgb(style.outlineColor)), luminance(behind)];
  const [light, dark] = shades.sort((a, b) => b - a);
  return {
    index: Number(el.dataset.tabbed),
    name: `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}> `
      + JSON.stringify((el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40)),
    id: el.id,
    focusVisible: el.matches(":focus-visible"),
    outline: `${style.outlineStyle} ${style.outlineWidth}`,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineStyle: style.outlineStyle,
    contrast: (light + 0.05) / (dark + 0.05),
  };
}
"""

# Every control on the page that the keyboard should reach but has not (visible ones only).
NOT_TABBED = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => !el.dataset.tabbed && !el.disabled && el.getBoundingClientRect().width > 0
    && el.checkVisibility({visibilityProperty: true}))
  .map((el) => `<${el.tagName.toLowerCase()}> ` + JSON.stringify(el.textContent.trim()))
"""


def test_tab_reaches_every_control_of_the_status_page_visibly_focused(page, site):
    page.set_viewport_size(DESKTOP)
    page.goto(site.url + "/")
    seen, problems = [], []
    for _ in range(300):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (seen and focused["index"] == 0):
            break  # past the last control (or round again)
        seen.append(focused)
        if not focused["focusVisible"] or focused["outlineStyle"] in ("none", "hidden"):
            problems.append(f"{focused['name']} shows no focus outline ({focused['outline']})")
        elif focused["outlineWidth"] < 2 or focused["contrast"] < 3:
            problems.append(
                f"{focused['name']}: outline {focused['outline']} at {focused['contrast']:.1f}:1"
            )
    names = [f["name"] for f in seen]
    assert names and names[0] == '<a> "Skip to content"', names[:3]
    ids = [f["id"] for f in seen]
    assert "subscribe-email" in ids, names
    # The subscribe form comes after the components, its button after its address field.
    after = names[ids.index("subscribe-email") + 1]
    assert after == '<button> "Subscribe"', names
    assert not problems, "\n".join(problems)
    assert not page.evaluate(NOT_TABBED, CONTROLS), "not reached with Tab"


# A shape, then the status in words.
STATUS_TEXT = re.compile(
    r"^\S+ (Operational|Degraded performance|Partial outage|Major outage|Under maintenance)$"
)


def test_status_is_told_in_words_not_by_colour_alone(page, site):
    page.set_viewport_size(DESKTOP)
    page.goto(site.url + "/")
    for component in page.locator(".components .component").all():
        expect(component.locator("> .status")).to_have_text(STATUS_TEXT)
    open_incident = Incident.objects.get(name="Slow ticket search on Pod 14")
    card = page.locator(".open-incidents .incident")
    expect(card).to_contain_text(open_incident.get_status_display())
    expect(card).to_contain_text(open_incident.get_impact_display())

    # Each day's bar is named by its day; a day with downtime, by its minutes in each state.
    pod13 = page.locator(".component", has_text="Pod 13")
    days = pod13.locator(".bars").get_by_role("img")
    expect(days).to_have_count(90)
    expect(days.first).to_have_accessible_name(re.compile(r"^\w+ \d+, \d{4}: no downtime$"))
    outage = pod13.locator(".bars").get_by_role("img", name=re.compile(": Major outage 50 min$"))
    expect(outage).to_have_count(1)


def test_every_uptime_bar_has_a_table_of_its_days(page, site):
    page.set_viewport_size(DESKTOP)
    page.goto(site.url + "/")
    pod13 = page.locator(".component", has_text="Pod 13")
    table = pod13.get_by_role("table", name="Pod 13: downtime by day")
    expect(table).to_be_hidden()
    pod13.get_by_text("Show as table").click()
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    # Quiet days come as runs: before the outage, the outage's day, after it.
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td")).to_have_text("No downtime")
    expect(rows.nth(1).locator("td").first).to_have_text("✕ Major outage 50 min")
    expect(rows.nth(1).get_by_role("link", name="Pod 13 unreachable")).to_be_visible()


def test_on_a_phone_a_tap_on_the_bars_opens_their_table(browser, site):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        pod13 = page.locator(".component", has_text="Pod 13")
        table = pod13.get_by_role("table")
        expect(table).to_be_hidden()
        pod13.locator(".bars").scroll_into_view_if_needed()
        bars = pod13.locator(".bars").bounding_box()
        page.touchscreen.tap(bars["x"] + bars["width"] * 0.3, bars["y"] + bars["height"] / 2)
        expect(table).to_be_visible()
        expect(table.get_by_role("link", name="Pod 13 unreachable")).to_be_visible()
    finally:
        context.close()
