"""The staff side, from the admin's forms: each role, and anonymous visitors."""

import re

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Component, Incident
from tests.conftest import incident_change_data


def _post_update_url(incident):
    return reverse("admin:incidents_incident_post_update", args=[incident.pk])


def test_support_staff_post_an_update_that_appears_at_once(support_client, make_incident, pods):
    incident = make_incident()
    page = support_client.get(_post_update_url(incident))
    assert page.status_code == 200
    assert "Pod 14" in page.text  # component changes are on the same form
    response = support_client.post(
        _post_update_url(incident),
        {
            "status": "identified",
            "body": "The cause is a **bad deploy**; rolling back.",
            f"component_{pods['Pod 14'].pk}": "degraded_performance",
            "deliver_notifications": "on",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "identified"
    latest = incident.updates.order_by("display_at").last()
    assert latest.author.username == "support"
    public = support_client.get(incident.get_absolute_url()).text
    assert "The cause is a <strong>bad deploy</strong>; rolling back." in public
    # What a reader sees: the words, whatever markup isolates the name's direction.
    assert "Pod 14: Operational → Degraded performance" in re.sub(r"<[^>]+>", "", public)


def test_invalid_transition_shows_an_error_and_changes_nothing(support_client, make_incident):
    incident = make_incident()
    services.incident_resolve(incident, body="Fixed.")
    response = support_client.post(
        _post_update_url(incident), {"status": "investigating", "body": "Again?"}
    )
    assert response.status_code == 200
    assert "Reopen it before posting another update" in response.text
    assert incident.updates.count() == 2


def test_reopen_from_the_form(support_client, make_incident):
    incident = make_incident()
    services.incident_resolve(incident, body="Fixed.")
    response = support_client.post(
        _post_update_url(incident), {"status": "investigating", "body": "Again.", "reopen": "on"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "investigating" and incident.resolved_at is None


def test_support_staff_open_an_incident_from_the_admin(support_client, pods):
    response = support_client.post(
        reverse("admin:incidents_incident_add"),
        {
            "name": "Pod 17 login errors",
            "impact_override": "major",
            "status": "investigating",
            "body": "Some logins on Pod 17 fail.",
            f"component_{pods['Pod 17'].pk}": "partial_outage",
            "deliver_notifications": "on",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    pods["Pod 17"].refresh_from_db()
    assert pods["Pod 17"].status == "partial_outage"
    assert "Pod 17 login errors" in support_client.get("/").text
    assert incident.updates.get().author.username == "support"


def test_bad_component_status_in_the_form_is_refused(support_client, pods):
    response = support_client.post(
        reverse("admin:incidents_incident_add"),
        {"name": "X", "impact_override": "minor", "status": "investigating", "body": "Y",
         f"component_{pods['Pod 17'].pk}": "exploded"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Incident.objects.exists()


def test_support_staff_cannot_edit_published_text(support_client, make_incident):
    incident = make_incident(name="Original")
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    support_client.post(url, {"name": "Changed", "impact_override": "minor"})
    incident.refresh_from_db()
    assert incident.name == "Original"
    assert (
        support_client.post(
            reverse("admin:incidents_incident_delete", args=[incident.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_manager_edits_published_text_through_the_service(manager_client, make_incident):
    incident = make_incident(name="Original")
    url, data = incident_change_data(manager_client, incident, name="Corrected name")
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.name == "Corrected name"


def test_support_staff_change_only_a_component_status(support_client, pods):
    component = pods["Pod 14"]
    url = reverse("admin:incidents_component_change", args=[component.pk])
    response = support_client.post(
        url, {"status": "under_maintenance", "name": "Renamed", "position": 5}
    )
    assert response.status_code == 302
    component.refresh_from_db()
    assert (component.status, component.name) == ("under_maintenance", "Pod 14")


@pytest.mark.parametrize(
    "url_name", ["admin:incidents_incident_add", "admin:incidents_incident_changelist"]
)
def test_anonymous_visitors_are_sent_to_login(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_anonymous_cannot_post_an_update(client, make_incident):
    incident = make_incident()
    response = client.post(_post_update_url(incident), {"status": "resolved", "body": "x"})
    assert response.status_code == 302
    assert incident.updates.count() == 1


def test_staff_without_role_cannot_post_updates(client, django_user_model, make_incident):
    incident = make_incident()
    user = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    client.force_login(user)
    assert (
        client.post(_post_update_url(incident), {"status": "resolved", "body": "x"}).status_code
        == 403
    )
    assert incident.updates.count() == 1


def test_manager_deletes_component_through_the_service(manager_client, pods):
    component = pods["Pod 14"]
    response = manager_client.post(
        reverse("admin:incidents_component_delete", args=[component.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Component.objects.filter(pk=component.pk).exists()


def test_posting_with_notify_leads_to_the_audience_review(support_client, make_incident):
    from incidents.notifications.models import Notification

    incident = make_incident(deliver_notifications=False)
    response = support_client.post(
        _post_update_url(incident),
        {"status": "identified", "body": "Found it.", "deliver_notifications": "on"},
    )
    notification = Notification.objects.get(update__incident=incident)
    assert response["Location"] == notification.get_absolute_url()
    review = support_client.get(response["Location"])
    assert review.status_code == 200
    assert "Check who will be told, then confirm the send." in review.text


def test_a_change_url_that_names_no_incident_is_not_a_server_error(manager_client, db):
    response = manager_client.get("/admin/incidents/incident/add/x/change/")
    assert response.status_code in (302, 404)
