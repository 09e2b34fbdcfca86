"""Under the Content-Security-Policy the public pages and the admin work, and the browser
reports no violation: no blocked script, style, image or request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from incidents.models import Incident, Postmortem
from incidents.notifications.models import Notification
from incidents.roles import INCIDENT_MANAGERS

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


@pytest.fixture
def demo(live_server):
    call_command("loaddemo")
    user = get_user_model().objects.create_user("csp-manager", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=INCIDENT_MANAGERS))
    return Incident.objects.incidents().get()


@pytest.fixture
def watched(page):
    """The page, recording CSP violations from events and from the console."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def visit(url: str):
        response = page.goto(url)
        assert response.status == 200, url
        assert "Content-Security-Policy" in response.headers or (
            "content-security-policy" in response.headers
        )
        page.wait_for_load_state("load")
        return response

    def violations() -> list[str]:
        return page.evaluate("window.__cspViolations || []") + console

    page.visit = visit
    page.violations = violations
    return page


def test_public_pages_work_under_the_policy(watched, live_server, demo):
    base = live_server.url
    for path in ["/", demo.get_absolute_url(), "/history/", "/subscribe/", "/api/v2/status.json"]:
        watched.visit(base + path)
        assert watched.violations() == [], path
    watched.visit(base + "/")
    expect(watched.get_by_role("heading", level=1)).to_have_text("All Systems Operational")


def test_admin_works_under_the_policy_and_the_preview_renders(watched, live_server, demo):
    base = live_server.url
    watched.visit(base + "/admin/login/")
    watched.fill("#id_username", "csp-manager")
    watched.fill("#id_password", "pw")
    watched.get_by_role("button", name="Log in").click()
    expect(watched.locator("#site-name")).to_be_visible()
    assert watched.violations() == []
    postmortem = Postmortem.objects.get()
    notification = Notification.objects.first()
    pages = [
        "/admin/",
        "/admin/incidents/incident/",
        f"/admin/incidents/incident/{demo.pk}/change/",
        f"/admin/incidents/incident/{demo.pk}/post-update/",
        "/admin/incidents/component/",
        "/admin/incidents/component/add/",
        "/admin/incidents/maintenance/add/",
        f"/admin/incidents/postmortem/{postmortem.pk}/change/",
        "/admin/incidents/incidenttemplate/add/",
        "/admin/notifications/subscriber/",
    ]
    if notification is not None:
        pages.append(f"/admin/notifications/notification/{notification.pk}/change/")
    for path in pages:
        watched.visit(base + path)
        assert watched.violations() == [], path
    # The markdown preview (markdownx's script and its request) works under the policy.
    watched.visit(base + "/admin/incidents/incident/add/")
    watched.locator("textarea[name=body]").fill("**Bold** and <script>alert(1)</script>")
    preview = watched.locator(".markdownx-preview")
    expect(preview.locator("strong")).to_have_text("Bold")
    expect(preview.locator("script")).to_have_count(0)
    assert watched.violations() == []
