"""The translation editor in a real browser: the English source beside the translation on a
laptop, stacked on a phone without sideways scrolling, and "Save and mark reviewed" done with
the keyboard alone, every stop on the way visibly focused."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from incidents import services
from incidents.models import Translation

pytestmark = pytest.mark.django_db(transaction=True)

SOURCE = "Logins took long.\nSome were refused.\nWe rolled back the deploy."

# What a keyboard user sees on the focused element: an outline or a ring.
FOCUS_SHOWN = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return outline || style.boxShadow !== "none";
}"""


@pytest.fixture
def translation(live_server, make_incident, support_user):
    incident = make_incident(name="Slow logins", summary=SOURCE)
    return services.translation_save(
        incident,
        field="summary",
        language="it",
        text="Gli accessi erano lenti.\nAlcuni rifiutati.\nAbbiamo annullato il rilascio.",
        machine=True,
    )


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "support")
    page.fill("#id_password", "pw")
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.locator("#logout-form"))
    ).to_be_visible()


def open_editor(page, live_server, translation):
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, live_server)
    url = reverse("admin:incidents_translation_change", args=[translation.pk])
    page.goto(f"{live_server.url}{url}")
    return blocked


def boxes(page):
    return (
        page.locator("#translation-source").bounding_box(),
        page.get_by_role("textbox", name="Italian translation").bounding_box(),
    )


def test_source_and_translation_side_by_side_on_a_laptop(page, live_server, translation):
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = open_editor(page, live_server, translation)
    source = page.locator("#translation-source")
    expect(source).to_have_text(SOURCE)
    # The line breaks show: three lines of text, not one run-on line.
    line = float(source.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert source.evaluate("e => e.getClientRects()[0].height") >= 3 * line
    left, right = boxes(page)
    assert left["x"] + left["width"] <= right["x"]  # the source on the left
    assert abs(left["y"] - right["y"]) < 40  # on the same level
    assert right["width"] > 300
    expect(page.get_by_text("Machine-translated, not reviewed").first).to_be_visible()
    assert blocked == []


def test_stacked_on_a_phone_without_sideways_scrolling(phone, live_server, translation):
    phone.set_viewport_size({"width": 390, "height": 844})
    blocked = open_editor(phone, live_server, translation)
    source, target = boxes(phone)
    assert source["y"] + source["height"] <= target["y"]  # the translation under the source
    assert target["x"] >= 0 and target["x"] + target["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.get_by_role("button", name="Save and mark reviewed")).to_be_visible()
    assert blocked == []


def test_save_and_mark_reviewed_with_the_keyboard_alone(page, live_server, translation):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_editor(page, live_server, translation)
    target = page.get_by_role("textbox", name="Italian translation")
    button = page.get_by_role("button", name="Save and mark reviewed")
    unfocused = []
    reached_target = False
    for _step in range(200):
        page.keyboard.press("Tab")
        in_editor = page.evaluate("!!document.activeElement.closest('#content-main')")
        if in_editor and not page.evaluate(FOCUS_SHOWN):
            unfocused.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
        reached_target = reached_target or target.evaluate("e => e === document.activeElement")
        if button.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached “Save and mark reviewed”")
    assert reached_target
    # The buttons after it (Save, Save and continue, Delete) show their focus too.
    focused_button = "e => e === document.activeElement"
    steps_after = 0
    while page.evaluate("!!document.activeElement.closest('#content-main')") and steps_after < 10:
        if not page.evaluate(FOCUS_SHOWN):
            unfocused.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
        page.keyboard.press("Tab")
        steps_after += 1
    assert steps_after >= 4
    for _step in range(steps_after):
        page.keyboard.press("Shift+Tab")
    assert button.evaluate(focused_button)
    assert unfocused == []
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("Saved and marked reviewed: Incident: summary (Italian).")
    ).to_be_visible()
    saved = Translation.objects.get(pk=translation.pk)
    assert saved.reviewed_at is not None and saved.reviewed_by.username == "support"
