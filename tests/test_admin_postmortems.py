"""Postmortems, maintenance and incident templates from the staff side: each role, and
anonymous visitors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentTemplate, Postmortem
from tests.conftest import NO_TRANSLATIONS


@pytest.fixture
def resolved(make_incident):
    incident = make_incident(name="False payment banner")
    services.incident_resolve(incident, body="Fixed.")
    return incident


@pytest.fixture
def draft(resolved):
    postmortem = services.postmortem_save_draft(resolved, root_cause="A missing check.")
    services.remediation_item_add(postmortem, description="Add alerts.")
    return postmortem


def publish_url(postmortem):
    return reverse("admin:incidents_postmortem_publish", args=[postmortem.pk])


def inline_data(postmortem, rows):
    data = {
        "remediation_items-TOTAL_FORMS": str(len(rows)),
        "remediation_items-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        "remediation_items-MIN_NUM_FORMS": "0",
        "remediation_items-MAX_NUM_FORMS": "1000",
        **NO_TRANSLATIONS,
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"remediation_items-{n}-{key}"] = value
        data[f"remediation_items-{n}-postmortem"] = postmortem.pk if postmortem else ""
    return data


def test_support_staff_draft_a_postmortem_with_items(support_client, resolved):
    url = reverse("admin:incidents_postmortem_add")
    assert support_client.get(url, {"incident": resolved.pk}).status_code == 200
    data = {
        "incident": resolved.pk,
        "root_cause": "A missing check.",
        "resolution": "Switched it off.",
        "body": "",
        "show_pending": "on",
        **inline_data(None, [
            {"position": "2", "description": "Second.", "state": "planned"},
            {"position": "1", "description": "First.", "state": "done", "owner": "Ops"},
        ]),
    }  # fmt: skip
    response = support_client.post(url, data)
    assert response.status_code == 302
    postmortem = Postmortem.objects.get()
    assert postmortem.status == "draft"
    assert [(i.description, i.state) for i in postmortem.remediation_items.all()] == [
        ("First.", "done"), ("Second.", "planned")
    ]  # fmt: skip
    assert "A postmortem is being written" in support_client.get(resolved.get_absolute_url()).text


def test_an_unknown_item_state_is_refused_in_the_admin(support_client, draft):
    url = reverse("admin:incidents_postmortem_change", args=[draft.pk])
    item = draft.remediation_items.get()
    data = {
        "root_cause": "Changed.", "resolution": "", "body": "", "show_pending": "on",
        **inline_data(draft, [{"id": item.pk, "position": "0", "description": "Add alerts.",
                               "state": "finished"}]),
    }  # fmt: skip
    response = support_client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    draft.refresh_from_db()
    item.refresh_from_db()
    assert (draft.root_cause, item.state) == ("A missing check.", "planned")


def test_manager_publishes_and_reverts(manager_client, manager_user, draft):
    page = manager_client.get(reverse("admin:incidents_postmortem_change", args=[draft.pk]))
    assert publish_url(draft) in page.text
    assert manager_client.get(publish_url(draft)).status_code == 200  # the confirmation
    response = manager_client.post(publish_url(draft), follow=True)
    assert "The postmortem is published." in response.text
    draft.refresh_from_db()
    assert (draft.status, draft.published_by) == ("published", manager_user)
    assert "Root cause analysis" in manager_client.get(draft.incident.get_absolute_url()).text
    revert = reverse("admin:incidents_postmortem_revert", args=[draft.pk])
    manager_client.post(revert)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publishing_an_empty_postmortem_shows_why(manager_client, resolved):
    empty = services.postmortem_save_draft(resolved)
    response = manager_client.post(publish_url(empty), follow=True)
    assert "The postmortem is empty" in response.text
    empty.refresh_from_db()
    assert empty.status == "draft"


def test_support_staff_cannot_publish_or_change_a_published_one(support_client, draft):
    assert support_client.post(publish_url(draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"
    page = support_client.get(reverse("admin:incidents_postmortem_change", args=[draft.pk]))
    assert publish_url(draft) not in page.text
    services.postmortem_publish(draft)
    url = reverse("admin:incidents_postmortem_change", args=[draft.pk])
    support_client.post(url, {"root_cause": "Sneaky edit."})
    draft.refresh_from_db()
    assert draft.root_cause == "A missing check."


def test_anonymous_visitors_cannot_publish(client, draft):
    response = client.post(publish_url(draft))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_templates_prefill_the_incident_form(support_client, pods):
    template = services.incident_template_save(
        IncidentTemplate(name="Errors", title="Elevated errors", status="identified",
                         body="We found the cause of the errors.")
    )  # fmt: skip
    url = reverse("admin:incidents_incident_add")
    page = support_client.get(url)
    assert "Start from a template" in page.text and "Errors" in page.text
    form = support_client.get(url, {"template": template.pk}).context["form"]
    assert form["name"].value() == "Elevated errors"
    assert form["status"].value() == "identified"
    assert form["body"].value() == "We found the cause of the errors."


def test_templates_prefill_the_update_form(support_client, make_incident):
    template = services.incident_template_save(
        IncidentTemplate(name="Fixed", title="Fixed", status="resolved", body="All good now.")
    )
    incident = make_incident()
    url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    form = support_client.get(url, {"template": template.pk}).context["form"]
    assert (form["status"].value(), form["body"].value()) == ("resolved", "All good now.")
    assert "name" not in form.fields


def test_a_template_with_a_maintenance_status_is_refused(db):
    with pytest.raises(Exception, match="status"):
        services.incident_template_save(
            IncidentTemplate(name="Bad", title="Bad", status="in_progress", body="x")
        )
    assert not IncidentTemplate.objects.exists()


def test_manager_schedules_maintenance_and_a_bad_window_is_explained(manager_client, pods):
    url = reverse("admin:incidents_maintenance_add")
    start = timezone.now() + timedelta(days=2)
    data = {
        "name": "Pod 17 upgrade",
        "body": "We will upgrade Pod 17.",
        "scheduled_for": start.strftime("%Y-%m-%d %H:%M"),
        "scheduled_until": (start - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "components": [pods["Pod 17"].pk],
        "auto_in_progress": "on",
        "auto_completed": "on",
    }
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "The maintenance must end after it starts." in response.text
    assert not Incident.objects.exists()
    data["scheduled_until"] = (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    assert manager_client.post(url, data).status_code == 302
    maintenance = Incident.objects.maintenances().get()
    update_url = reverse("admin:incidents_maintenance_post_update", args=[maintenance.pk])
    assert manager_client.post(update_url, {"status": "in_progress"}).status_code == 302
    pods["Pod 17"].refresh_from_db()
    assert pods["Pod 17"].status == "under_maintenance"
    # Maintenance is not listed among incidents.
    changelist = manager_client.get(reverse("admin:incidents_incident_changelist")).text
    assert "Pod 17 upgrade" not in changelist


def test_support_staff_cannot_schedule_maintenance(support_client, pods):
    assert support_client.get(reverse("admin:incidents_maintenance_add")).status_code == 403


def test_every_new_admin_page_renders_for_a_manager(manager_client, draft, pods):
    maintenance = services.maintenance_schedule(
        name="Upgrade", body="Announced.", components=[pods["Pod 13"]],
        scheduled_for=timezone.now() + timedelta(days=1),
        scheduled_until=timezone.now() + timedelta(days=1, hours=1),
    )  # fmt: skip
    template = services.incident_template_save(
        IncidentTemplate(name="Errors", title="Errors", body="Looking.")
    )
    urls = [
        reverse("admin:incidents_maintenance_changelist"),
        reverse("admin:incidents_maintenance_change", args=[maintenance.pk]),
        reverse("admin:incidents_maintenance_post_update", args=[maintenance.pk]),
        reverse("admin:incidents_postmortem_changelist"),
        reverse("admin:incidents_postmortem_change", args=[draft.pk]),
        reverse("admin:incidents_incident_change", args=[draft.incident.pk]),
        reverse("admin:incidents_incidenttemplate_changelist"),
        reverse("admin:incidents_incidenttemplate_change", args=[template.pk]),
        reverse("admin:incidents_incidenttemplate_add"),
    ]
    for url in urls:
        assert manager_client.get(url).status_code == 200, url
    incident_page = manager_client.get(urls[5]).text
    assert reverse("admin:incidents_postmortem_change", args=[draft.pk]) in incident_page


def test_manager_moves_the_window_and_components_from_the_change_page(manager_client, pods):
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0, second=0)
    maintenance = services.maintenance_schedule(
        name="Upgrade", body="Announced.", components=[pods["Pod 13"]],
        scheduled_for=start, scheduled_until=start + timedelta(hours=1),
    )  # fmt: skip
    url = reverse("admin:incidents_maintenance_change", args=[maintenance.pk])
    later = start + timedelta(days=1)
    end = later + timedelta(hours=2)  # the next day when moved after 22:00
    data = {
        "name": "Upgrade (moved)", "summary": "",
        "scheduled_for_0": later.strftime("%Y-%m-%d"), "scheduled_for_1": later.strftime("%H:%M"),
        "scheduled_until_0": end.strftime("%Y-%m-%d"), "scheduled_until_1": end.strftime("%H:%M"),
        "scheduled_auto_in_progress": "on", "scheduled_auto_completed": "on",
        "affected_components": [pods["Pod 14"].pk],
        "updates-TOTAL_FORMS": "1", "updates-INITIAL_FORMS": "1",
        "updates-MIN_NUM_FORMS": "0", "updates-MAX_NUM_FORMS": "1000",
        "updates-0-id": maintenance.updates.get().pk, "updates-0-incident": maintenance.pk,
    }  # fmt: skip
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    maintenance.refresh_from_db()
    assert maintenance.name == "Upgrade (moved)"
    assert maintenance.scheduled_for == later
    assert list(maintenance.components.values_list("name", flat=True)) == ["Pod 14"]


def test_a_started_maintenance_shows_its_window_read_only(manager_client, pods):
    maintenance = services.maintenance_schedule(
        name="Upgrade", body="Announced.", components=[pods["Pod 13"]],
        scheduled_for=timezone.now() + timedelta(days=1),
        scheduled_until=timezone.now() + timedelta(days=1, hours=1),
    )  # fmt: skip
    services.maintenance_start(maintenance)
    url = reverse("admin:incidents_maintenance_change", args=[maintenance.pk])
    page = manager_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "scheduled_for" not in form.fields and "affected_components" not in form.fields
    assert "Pods / Pod 13" in page.text
