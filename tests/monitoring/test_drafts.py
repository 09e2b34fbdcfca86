"""Draft incidents: an alert opens one for staff; it is never public and notifies nobody
until a person posts its first update, which publishes it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from incidents import services
from incidents.api.services import api_key_create
from incidents.models import ComponentStatus, Incident, IncidentTemplate
from incidents.monitoring.models import AlertState
from incidents.notifications.models import Notification, NotificationKind, Subscriber

from ..forms import form_data
from .conftest import am_alert, am_payload

S = ComponentStatus


@pytest.fixture
def subscriber(db):
    return Subscriber.objects.create(email="reader@example.com", state="active")


@pytest.fixture
def template(world):
    return services.incident_template_save(
        IncidentTemplate(
            name="Billing down",
            title="Card payments are failing",
            body="We are investigating failing card payments.",
        )
    )


@pytest.fixture
def drafted(post, make_integration, world, template, subscriber):
    integration, path = make_integration(flap_interval_s=0, template=template)
    response = post(path, am_payload(am_alert("fp-1"), am_alert("fp-2", component="Pod 14")))
    assert response.status_code == 200, response.content
    draft = Incident.with_drafts.get(public_id=response.json()["draft_incident"])
    return integration, path, draft


def test_an_alert_opens_a_draft_from_the_template(drafted, world):
    _integration, _path, draft = drafted
    assert draft.draft is True and draft.status == "investigating"
    assert draft.name == "Card payments are failing"
    assert draft.impact == "critical"
    assert sorted((r.component.name, r.status) for r in draft.affected.all()) == [
        ("Billing", "major_outage"), ("Pod 14", "major_outage"),
    ]  # fmt: skip
    assert not draft.updates.exists()
    assert set(AlertState.objects.values_list("incident", flat=True)) == {draft.pk}


def test_without_a_template_the_draft_is_named_by_the_alert(post, alertmanager, world):
    _integration, path = alertmanager
    response = post(path, am_payload(am_alert(summary="")))
    draft = Incident.with_drafts.get(public_id=response.json()["draft_incident"])
    assert draft.name == "BillingDown on Billing"


def test_a_draft_notifies_nobody(drafted, mailoutbox):
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_a_draft_is_on_no_public_page_feed_or_api(client, drafted, settings):
    _integration, _path, draft = drafted
    assert client.get(draft.get_absolute_url()).status_code == 404
    for path in ["/", "/history/", "/history.atom", "/history.rss", "/pods/pod-14/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert draft.name not in page.text and draft.public_id not in page.text, path
    for path in ["summary.json", "incidents.json", "incidents/unresolved.json", "status.json"]:
        answer = client.get(f"/api/v2/{path}")
        assert draft.public_id not in answer.text, path
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "critical"
    assert Incident.objects.filter(pk=draft.pk).count() == 0


def test_the_management_api_lists_no_draft(client, drafted, manager_user):
    _integration, _path, draft = drafted
    key = api_key_create(manager_user)[1]
    base = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}/incidents"
    auth = {"HTTP_AUTHORIZATION": f"OAuth {key}"}
    for path in [base, f"{base}/unresolved"]:
        answer = client.get(path, **auth)
        assert answer.status_code == 200 and draft.public_id not in answer.text
    assert client.get(f"{base}/{draft.public_id}", **auth).status_code == 404


def test_staff_see_the_draft_at_once_on_every_admin_page(support_client, drafted):
    _integration, _path, draft = drafted
    console = reverse("admin:incidents_incident_change", args=[draft.pk])
    for path in ["/admin/", reverse("admin:incidents_component_changelist")]:
        page = support_client.get(path)
        assert "Draft incidents opened by monitoring" in page.text
        assert f'href="{console}#post-update"' in page.text
    listing = support_client.get(reverse("admin:incidents_incident_changelist") + "?draft__exact=1")
    assert draft.name in listing.text


def test_no_banner_for_anonymous_visitors_nor_on_public_pages(client, drafted):
    assert "Draft incidents" not in client.get("/").text
    assert client.get("/admin/").status_code == 302


def test_posting_its_first_update_publishes_it_for_review(
    client, support_client, drafted, mailoutbox
):
    _integration, _path, draft = drafted
    console = reverse("admin:incidents_incident_change", args=[draft.pk])
    page = support_client.get(console)
    assert "Draft, opened from an alert." in page.text
    assert "View on status page" not in page.text
    data = form_data(page)
    # The form starts from the integration's template.
    assert data["body"] == "We are investigating failing card payments."
    response = support_client.post(console, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    draft = Incident.objects.get(pk=draft.pk)
    assert draft.draft is False
    assert client.get(draft.get_absolute_url()).status_code == 200
    # Subscribers hear of a new incident once staff confirm; nothing is mailed yet.
    notification = Notification.objects.get()
    assert notification.kind == NotificationKind.INCIDENT_CREATED
    assert notification.state == "awaiting_confirmation"
    assert response["Location"] == notification.get_absolute_url()
    assert mailoutbox == []
    # It holds its components as they are now.
    assert {r.status for r in draft.affected.all()} == {S.MAJOR_OUTAGE}
    assert "Draft incidents opened by monitoring" not in support_client.get("/admin/").text


def test_publishing_holds_the_components_as_the_page_shows_them(post, make_integration, world):
    _integration, path = make_integration(update_components=False)
    response = post(path, am_payload(am_alert()))
    draft = Incident.with_drafts.get(public_id=response.json()["draft_incident"])
    assert draft.affected.get().status == S.MAJOR_OUTAGE  # the suggestion
    services.update_post(draft, status="investigating", body="Looking into it.")
    assert draft.affected.get().status == S.OPERATIONAL  # what the page shows
    draft.refresh_from_db()
    assert draft.impact == "none"  # follows what it holds, not the suggestion


def test_a_draft_holds_no_component(post, drafted, world):
    _integration, path, draft = drafted
    post(path, am_payload(am_alert("fp-1", status="resolved")))
    world["Billing"].refresh_from_db()
    assert world["Billing"].status == S.OPERATIONAL
    services.incident_delete(draft)
    world["Pod 14"].refresh_from_db()
    assert world["Pod 14"].status == S.MAJOR_OUTAGE  # its alert still fires


def test_one_draft_per_component(post, drafted):
    _integration, path, draft = drafted
    again = post(path, am_payload(am_alert("fp-3", severity="warning")))
    assert again.json()["draft_incident"] is None
    assert Incident.with_drafts.filter(draft=True).count() == 1
    assert AlertState.objects.get(fingerprint="fp-3").incident_id == draft.pk


def test_no_draft_where_an_incident_is_open_or_when_turned_off(
    post, make_integration, world, make_incident
):
    make_incident(components={world["Billing"]: S.PARTIAL_OUTAGE})
    _integration, path = make_integration(flap_interval_s=0)
    assert post(path, am_payload(am_alert())).json()["draft_incident"] is None
    _quiet, quiet_path = make_integration(name="quiet", open_draft_incident=False)
    assert (
        post(quiet_path, am_payload(am_alert(component="Pod 17"))).json()["draft_incident"] is None
    )
    assert not Incident.with_drafts.filter(draft=True).exists()


def test_the_draft_and_its_publication_are_audited(drafted, support_user):
    from incidents.audit.models import AuditLog

    _integration, _path, draft = drafted
    opened = AuditLog.objects.get(action="incident.draft")
    assert opened.actor_repr == "monitoring: alertmanager test"
    assert opened.after["cause"]["fingerprint"] == "fp-1"
    services.update_post(draft, status="identified", body="A bad deploy.", actor=support_user)
    published = AuditLog.objects.filter(action="incident.update").get()
    assert published.before == {"draft": True} and published.after["draft"] is False
