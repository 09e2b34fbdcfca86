"""What a reader sees in a real browser, on a desktop and on a phone."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = pytest.mark.django_db(transaction=True)

SEED_STAMPS = [
    "20:59 UTC | 13:59 PT",
    "21:28 UTC | 14:28 PT",
    "22:26 UTC | 15:26 PT",
    "01:59 UTC | 18:59 PT",
    "March 21 - 15:35 UTC | 08:35 PT",
]


@pytest.fixture
def demo(live_server):
    call_command("loaddemo")
    return Incident.objects.incidents().get()


def test_status_page_shows_overall_status_and_grouped_components(page, live_server, demo):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("All Systems Operational")
    pods = page.locator(".group", has=page.get_by_role("heading", name=re.compile("Pods")))
    expect(pods.locator(".component")).to_have_count(6)
    expect(pods.locator(".component").first).to_contain_text("Operational")
    expect(page.get_by_role("link", name=demo.name)).to_be_visible()


def test_demo_incident_reads_like_the_seed(page, live_server, demo):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=demo.name).click()
    expect(page).to_have_url(re.compile(rf"/incidents/{demo.public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.name)
    expect(page.locator(".window")).to_contain_text(
        "March 20, 2024 - 19:00 UTC | 12:00 PT to 01:07 UTC | 18:07 PT"
    )
    stamps = page.locator(".timeline .stamp time")
    expect(stamps).to_have_text(SEED_STAMPS)
    expect(page.locator(".affected")).to_contain_text("Pod 13")
    expect(page.get_by_role("heading", name="For more information")).to_be_visible()


def test_pages_fit_a_phone_screen(phone, live_server, demo):
    for path in ["/", demo.get_absolute_url()]:
        phone.goto(live_server.url + path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"


def test_keyboard_reaches_the_skip_link_first(page, live_server, demo):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    expect(page.locator(".skip")).to_be_in_viewport()


def test_support_staff_post_an_update_seen_on_the_public_page(
    page, live_server, django_user_model, demo
):
    from django.contrib.auth.models import Group

    from incidents import services

    open_incident = services.incident_create(name="Pod 18 slow search", body="Looking.")
    user = django_user_model.objects.create_user("alice", password="s3cret-pass", is_staff=True)
    user.groups.add(Group.objects.get(name="Support staff"))

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + f"/admin/incidents/incident/{open_incident.pk}/change/")
    page.get_by_role("link", name="Post an update").click()
    page.get_by_label("Status").select_option("identified")
    page.get_by_label("Message").fill("A slow index on **Pod 18**; rebuilding it.")
    expect(page.locator(".markdownx-preview strong")).to_have_text("Pod 18")  # live preview
    page.get_by_label("Pods / Pod 18").select_option("degraded_performance")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text("The update is on the status page.")

    page.goto(live_server.url + open_incident.get_absolute_url())
    latest = page.locator(".update").last
    expect(latest).to_contain_text("Identified")
    expect(latest).to_contain_text("A slow index on Pod 18; rebuilding it.")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Minor Service Outage")
