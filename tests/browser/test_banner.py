"""The embeddable banner on a page of another origin: shown for the affected pod only."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from playwright.sync_api import expect

from incidents import services
from incidents.services import page as page_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def customer_site():
    """A customer's app: a second web server, so the banner runs on another origin."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, pages
    server.shutdown()


@pytest.fixture
def open_customer_page(page, live_server, customer_site):
    server, pages = customer_site

    def open_page(components: str, lang: str = "en"):
        pages["/app"] = f"""<!doctype html><html lang="{lang}"><head><title>App</title></head>
        <body><main><h1>Customer app</h1></main>
        <script src="{live_server.url}/static/incidents/banner.js"
                data-components="{components}" async></script></body></html>"""
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/app")

    return open_page


def _wait_for_the_status_read(page):
    """The banner has read the status API (so an absent banner is a decision, not a delay)."""
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(e => e.name.includes('summary.json') && e.responseEnd > 0)"
    )
    page.wait_for_load_state("networkidle")


@pytest.fixture
def pod_incident(make_incident, pods):
    return make_incident(name="Pod 13 login errors", components={pods["Pod 13"]: "major_outage"})


def test_banner_shows_for_the_affected_pod_and_can_be_dismissed(
    page, open_customer_page, pod_incident, pods
):
    open_customer_page(pods["Pod 13"].public_id)
    banner = page.locator("[data-status-banner]")
    expect(banner).to_contain_text("Incident: Pod 13 login errors")
    link = banner.get_by_role("link", name="View status")
    expect(link).to_have_attribute("href", settings.SITE_URL + pod_incident.get_absolute_url())
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_have_count(0)
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-status-banner]")).to_have_count(0)  # dismissed for the session


def test_banner_stays_away_for_an_unaffected_pod(page, open_customer_page, pod_incident, pods):
    open_customer_page(pods["Pod 14"].public_id)
    _wait_for_the_status_read(page)
    expect(page.locator("[data-status-banner]")).to_have_count(0)


def test_banner_follows_a_group_filter_and_the_page_language(
    page, open_customer_page, pod_incident, pods
):
    open_customer_page(pods["Pod 13"].group.public_id, lang="it")
    expect(page.locator("[data-status-banner]")).to_contain_text("Incidente: Pod 13 login errors")


def test_banner_disappears_once_resolved(page, open_customer_page, pod_incident, pods):
    services.incident_resolve(pod_incident, body="Fixed.")
    open_customer_page(pods["Pod 13"].public_id)
    _wait_for_the_status_read(page)
    expect(page.locator("[data-status-banner]")).to_have_count(0)


def test_banner_takes_the_corner_and_colours_staff_chose(
    page, open_customer_page, pod_incident, pods
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page_service.page_update(
        {
            "embed_position": "bottom-right",
            "incident_background_color": "#0b3d2e",
            "incident_text_color": "#fdfdfd",
        }
    )
    open_customer_page(pods["Pod 13"].public_id)
    banner = page.locator("[data-status-banner]")
    expect(banner).to_contain_text("Incident: Pod 13 login errors")
    box = banner.bounding_box()
    assert box["x"] + box["width"] == pytest.approx(1280 - 16, abs=2)
    assert box["y"] + box["height"] == pytest.approx(800 - 16, abs=2)
    colours = banner.evaluate(
        "host => { const s = getComputedStyle(host.shadowRoot.querySelector('div'));"
        " return [s.backgroundColor, s.color]; }"
    )
    assert colours == ["rgb(11, 61, 46)", "rgb(253, 253, 253)"]
