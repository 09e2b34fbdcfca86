"""A reader switches the demo incident to Italian and reads the translated timeline."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = pytest.mark.django_db(transaction=True)

ITALIAN_STAMPS = [
    "20:59 UTC | 13:59 PT",
    "21:28 UTC | 14:28 PT",
    "22:26 UTC | 15:26 PT",
    "01:59 UTC | 18:59 PT",
    "21 marzo - 15:35 UTC | 08:35 PT",
]


@pytest.fixture
def demo(live_server):
    call_command("loaddemo")
    return Incident.objects.incidents().get()


def test_switching_the_demo_incident_to_italian(page, live_server, demo):
    page.goto(f"{live_server.url}/incidents/{demo.public_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="italiano").click()

    expect(page).to_have_url(re.compile(rf"/it/incidents/{demo.public_id}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1)).to_contain_text("pagamento non riuscito")
    expect(page.get_by_role("heading", name="Cronologia")).to_be_visible()
    stamps = page.locator(".timeline .stamp time")
    expect(stamps).to_have_text(ITALIAN_STAMPS)
    expect(page.locator(".timeline .update").first).to_contain_text("Stiamo verificando")
    expect(page.locator(".timeline .update").last).to_contain_text("è stato corretto")
    # Machine translated: the English is authoritative, one click away.
    disclaimer = page.get_by_role("note")
    expect(disclaimer).to_contain_text("tradotte automaticamente")
    expect(page.get_by_role("heading", name="Analisi della causa principale")).to_be_visible()
    disclaimer.get_by_role("link", name="versione inglese").click()
    expect(page).to_have_url(re.compile(rf"/incidents/{demo.public_id}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_choice_is_remembered_on_the_status_page(page, live_server, demo):
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Deutsch").click()
    expect(page).to_have_url(re.compile(r"/de/$"))
    page.goto(f"{live_server.url}/")  # the cookie now sends the visitor to German
    expect(page).to_have_url(re.compile(r"/de/$"))
    page.get_by_role("navigation", name="Sprache").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
