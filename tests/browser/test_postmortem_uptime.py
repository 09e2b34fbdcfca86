"""A reader finds the postmortem under the timeline and an incident in the uptime bars."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.models import Component
from incidents.operations.demo import INCIDENT_NAME

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server):
    call_command("loaddemo")


def test_reader_reads_the_published_postmortem_in_order(page, live_server, demo):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=INCIDENT_NAME).first.click()
    postmortem = page.locator("#postmortem")
    expect(postmortem.get_by_role("heading", level=2)).to_have_text("Postmortem")
    expect(postmortem.get_by_role("heading", level=3)).to_have_text(
        ["Root cause analysis", "Resolution", "Remediation items"]
    )
    expect(postmortem).to_contain_text("payment status")
    items = postmortem.locator(".remediation-item")
    expect(items).to_have_count(3)
    expect(items.locator(".status")).to_have_text(
        [re.compile("Done"), re.compile("In progress"), re.compile("Planned")]
    )
    expect(items.nth(1)).to_contain_text("Owner: Messaging team")
    # Under the timeline, before "For more information".
    order = page.evaluate(
        "[...document.querySelectorAll('main section > h2')].map(h => h.textContent)"
    )
    assert order.index("Timeline") < order.index("Postmortem") < order.index("For more information")


def test_the_status_page_lists_the_upcoming_maintenance(page, live_server, demo):
    page.goto(live_server.url + "/")
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming maintenance"))
    expect(upcoming).to_contain_text("Database upgrade on Pod 17")
    expect(upcoming.locator(".scheduled")).to_contain_text(re.compile(r"START: .* 15:30 UTC \| "))


def test_uptime_bar_tooltip_names_the_incident(page, live_server, demo):
    pod13 = Component.objects.get(name="Pod 13")
    start = timezone.now() - timedelta(days=3)
    incident = services.incident_create(
        name="Pod 13 unreachable", body="Looking.", components={pod13: "major_outage"},
        started_at=start, display_at=start,
    )  # fmt: skip
    end = start + timedelta(minutes=50)
    services.incident_resolve(incident, body="Back.", resolved_at=end, display_at=end)

    page.goto(live_server.url + "/")
    row = page.locator(f'[data-component="{pod13.public_id}"]')
    expect(row.locator(".uptime-percent")).to_contain_text(re.compile(r"99\.\d\d % uptime"))
    day = row.locator(".uptime-day").first
    tooltip = day.get_by_role("tooltip")
    expect(tooltip).to_be_hidden()

    day.locator(".bar").hover()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Major outage 50 min")
    expect(tooltip.get_by_role("link", name="Pod 13 unreachable")).to_be_visible()

    page.mouse.move(0, 0)
    expect(tooltip).to_be_hidden()
    day.locator(".bar").focus()  # keyboard users get the same text
    expect(tooltip).to_be_visible()
    described = day.locator(".bar").get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("Pod 13 unreachable")
    tooltip.get_by_role("link", name="Pod 13 unreachable").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pod 13 unreachable")
