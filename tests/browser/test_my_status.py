"""A reader finds their pod from the status page and sees only what affects it."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = pytest.mark.django_db(transaction=True)

LABEL = "Your account's address or subdomain"


@pytest.fixture
def demo(live_server):
    call_command("loaddemo")  # its incident touched Pod 13, Pod 17 and Billing
    return Incident.objects.incidents().get()


def test_a_reader_on_an_affected_pod_sees_the_demo_incident(page, live_server, demo):
    page.goto(live_server.url + "/")
    page.get_by_label(LABEL).fill("acme")
    page.get_by_role("button", name="Show my status").click()
    expect(page).to_have_url(re.compile(r"/pods/pod-13/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pod 13 status")
    expect(page.get_by_role("link", name=demo.name)).to_be_visible()
    components = page.locator(".components .component-name")
    expect(components.filter(has_text="Pod 13")).to_have_count(1)
    expect(components.filter(has_text="Pod 14")).to_have_count(0)
    expect(components.filter(has_text="Billing")).to_have_count(1)


def test_a_reader_on_another_pod_does_not_see_it(page, live_server, demo):
    page.goto(live_server.url + "/my/")
    page.get_by_label(LABEL).fill("https://Globex.example.com/agent")
    page.get_by_role("button", name="Show my status").click()
    expect(page).to_have_url(re.compile(r"/pods/pod-14/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pod 14 status")
    expect(page.get_by_role("heading", name="Past incidents")).to_be_visible()
    expect(page.get_by_role("link", name=demo.name)).to_have_count(0)
    # The full page still has it.
    page.get_by_role("link", name="Full status page").click()
    expect(page.get_by_role("link", name=demo.name)).to_be_visible()


def test_an_unknown_account_gets_the_generic_answer(page, live_server, demo):
    page.goto(live_server.url + "/")
    page.get_by_label(LABEL).fill("nobody-we-know")
    page.get_by_role("button", name="Show my status").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(page.get_by_role("status")).to_contain_text("We could not find a pod for that.")
    expect(page.get_by_label(LABEL)).to_have_value("")
    page.get_by_role("status").get_by_role("link", name="Full status page").click()
    expect(page).to_have_url(live_server.url + "/")


def test_pod_page_fits_a_phone_screen(phone, live_server, demo):
    phone.goto(live_server.url + "/pods/pod-13/")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
