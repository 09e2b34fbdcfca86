"""An XSS corpus posted as incident names, summaries, update text, postmortems, component and
group names and templates: in Chromium nothing executes on the public pages, in the admin
(pages and the markdown preview) or in the HTML emails. The policy is switched off here so
that escaping and sanitizing alone are proven; the CSP is a second wall on top."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from incidents import services
from incidents.models import Component, ComponentGroup, IncidentTemplate
from incidents.notifications.emails import render_notification
from incidents.notifications.models import Notification
from incidents.roles import INCIDENT_MANAGERS

pytestmark = pytest.mark.django_db(transaction=True)

HIT = "window.__xss&&window.__xss(1)"
CORPUS = [
    f"<script>{HIT}</script>",
    f"<img src=x onerror={HIT}>",
    f'<img src="x" onerror="{HIT}">',
    f"<svg onload={HIT}>",
    f"<svg><script>{HIT}</script></svg>",
    f'<a href="javascript:{HIT}">click</a>',
    f"[click](javascript:{HIT})",
    f"[click](JaVaScRiPt:{HIT})",
    f"[click](  javascript:{HIT})",
    f"[click](data:text/html,<script>{HIT}</script>)",
    f'![x](x" onerror="{HIT})',
    f'<iframe src="javascript:{HIT}"></iframe>',
    f'<body onload="{HIT}">',
    f'"><script>{HIT}</script>',
    f"'><img src=x onerror={HIT}>",
    f'<details open ontoggle="{HIT}">',
    f'<math><mtext><table><mglyph><style><img src=x onerror="{HIT}">',
    f'<a href="&#106;avascript:{HIT}">entity</a>',
    f"[ref][1]\n\n[1]: javascript:{HIT}",
    f'<div style="background:url(javascript:{HIT})">css</div>',
]
TEXT = "\n\n".join(CORPUS)
ONE_LINE = " ".join(c.replace("\n", " ") for c in CORPUS)[:250]

WATCH = """
window.__hits = [];
window.__xss = (n) => window.__hits.push(n);
"""
PROBE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.trim().toLowerCase();
      if (name.startsWith("on")) bad.push(el.tagName + " " + name);
      if (["href", "src", "action", "formaction"].includes(name) &&
          (value.startsWith("javascript:") || value.startsWith("data:text/html")))
        bad.push(el.tagName + " " + name + "=" + value.slice(0, 30));
    }
    if (el.tagName === "SCRIPT" && el.textContent.includes("__xss(1)")) bad.push("script");
  }
  return {hits: window.__hits, bad};
}"""


@pytest.fixture
def hostile(live_server, settings):
    settings.SECURE_CSP = {}
    group = services.group_save(ComponentGroup(name=ONE_LINE))
    component = services.component_save(Component(group=group, name=ONE_LINE, description=TEXT))
    incident = services.incident_create(
        name=ONE_LINE, body=TEXT, summary=TEXT, components={component: "major_outage"}
    )
    services.update_post(incident, status="identified", body=TEXT)
    services.incident_resolve(incident, body=TEXT)
    draft = services.postmortem_save_draft(incident, root_cause=TEXT, resolution=TEXT, body=TEXT)
    services.remediation_item_add(draft, description=TEXT, owner=ONE_LINE)
    services.postmortem_publish(draft)
    services.incident_template_save(
        IncidentTemplate(name=ONE_LINE[:200], title=ONE_LINE, body=TEXT)
    )
    user = get_user_model().objects.create_user("xss-manager", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=INCIDENT_MANAGERS))
    return incident


@pytest.fixture
def probe(page):
    page.add_init_script(WATCH)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def check(where: str):
        page.wait_for_load_state("load")
        found = page.evaluate(PROBE)
        assert found["hits"] == [], f"script ran on {where}"
        assert found["bad"] == [], f"live markup on {where}: {found['bad']}"
        assert dialogs == [], where

    return check


def _click_every_link_in(page, selector: str) -> None:
    for link in page.locator(f"{selector} a").all():
        href = link.get_attribute("href") or ""
        assert not href.strip().lower().startswith(("javascript:", "data:")), href


def test_nothing_executes_on_public_pages(page, probe, live_server, hostile):
    for path in ["/", hostile.get_absolute_url(), "/history/", "/history/?month=" +
                 hostile.started_at.strftime("%Y-%m")]:  # fmt: skip
        page.goto(live_server.url + path)
        probe(path)
        _click_every_link_in(page, "main")


def test_nothing_executes_in_the_admin_or_its_preview(page, probe, live_server, hostile):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "xss-manager")
    page.fill("#id_password", "pw")
    page.get_by_role("button", name="Log in").click()
    component = Component.objects.get()
    template = IncidentTemplate.objects.get()
    for path in [
        "/admin/",
        "/admin/incidents/incident/",
        f"/admin/incidents/incident/{hostile.pk}/change/",
        f"/admin/incidents/postmortem/{hostile.postmortem.pk}/change/",
        f"/admin/incidents/component/{component.pk}/change/",
        "/admin/incidents/component/",
        f"/admin/incidents/incidenttemplate/{template.pk}/change/",
        f"/admin/incidents/incident/add/?template={template.pk}",
        "/admin/notifications/notification/",
    ]:
        page.goto(live_server.url + path)
        probe(path)
    page.goto(live_server.url + "/admin/incidents/incident/add/")
    page.locator("textarea[name=body]").fill(TEXT)
    page.locator(".markdownx-preview p").first.wait_for()
    probe("the markdown preview")


def test_nothing_executes_in_html_emails(page, probe, hostile):
    notifications = Notification.objects.filter(incident=hostile)
    assert notifications.exists()
    for notification in notifications:
        html = render_notification(notification, "en").html
        # Mail clients run no init script: the watcher goes first in the document itself.
        page.set_content(f"<script>{WATCH}</script>" + html)
        probe(f"the {notification.kind} email")
