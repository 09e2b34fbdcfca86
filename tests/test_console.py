"""The incident's console: its change page shows where it stands and takes the next update."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.models import ComponentStatus, IncidentTemplate, IncidentUpdate
from incidents.notifications.models import Delivery, DeliveryState, NotificationState, Subscriber
from incidents.roles import SUPPORT_STAFF

from .forms import form_data


def _console_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def _progress_url(notification):
    return reverse("admin:notifications_notification_progress", args=[notification.pk])


@pytest.fixture
def incident(make_incident, pods):
    return make_incident(
        name="Pod 13 login errors", components={pods["Pod 13"]: ComponentStatus.PARTIAL_OUTAGE}
    )


def test_the_console_preselects_the_incidents_own_components(support_client, incident, pods):
    page = support_client.get(_console_url(incident))
    assert page.status_code == 200
    form = page.context["console"]["form"]
    own = [field.label for field in form.component_bound_fields()]
    others = [field.label for field in form.other_component_bound_fields()]
    assert own == ["Pods / Pod 13"]
    assert others == ["Pods / Pod 14", "Pods / Pod 17"]
    # Shown with its current status, the others behind a disclosure.
    assert re.search(
        rf'name="component_{pods["Pod 13"].pk}".*?<option value="partial_outage" selected>',
        page.text,
        re.S,
    )
    details = page.text[page.text.index('<details class="console-more"') :]
    assert details.index("<summary>2 more components</summary>") < details.index("Pod 14")
    # Its timeline and its send are on the same page, and one link to the status page.
    assert "We are investigating." in page.text
    assert "Sends to subscribers" in page.text
    assert page.text.count("View on status page") == 1
    assert "View on site" not in page.text


def test_posting_from_the_console_without_touching_components_changes_none(
    support_client, incident, pods
):
    page = support_client.get(_console_url(incident))
    response = support_client.post(
        _console_url(incident), form_data(page, status="identified", body="Found the cause.")
    )
    assert response.status_code == 302
    latest = incident.updates.order_by("-pk").first()
    assert latest.body == "Found the cause."
    assert not latest.component_changes.exists()
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == ComponentStatus.PARTIAL_OUTAGE


def test_a_post_from_the_console_leads_to_the_review_then_back(support_client, incident, pods):
    page = support_client.get(_console_url(incident))
    data = form_data(
        page,
        status="identified",
        body="A bad deploy.",
        **{f"component_{pods['Pod 13'].pk}": "major_outage"},
    )
    response = support_client.post(_console_url(incident), data)
    notification = incident.updates.order_by("-pk").first().notifications.get()
    assert response["Location"] == notification.get_absolute_url()
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == ComponentStatus.MAJOR_OUTAGE


def test_the_changelist_links_open_incidents_to_their_console(support_client, incident):
    listing = support_client.get(reverse("admin:incidents_incident_changelist"))
    assert f'href="{_console_url(incident)}#post-update"' in listing.text


def test_a_template_is_one_click_away(manager_client, incident):
    template = services.incident_template_save(
        IncidentTemplate(
            name="Fix rolling out", title="Fix", status="identified", body="Rolling out a fix."
        )
    )
    page = manager_client.get(_console_url(incident))
    assert f'href="?template={template.pk}#post-update"' in page.text
    picked = manager_client.get(_console_url(incident), {"template": template.pk})
    assert ">\nRolling out a fix.</textarea>" in picked.text


@pytest.fixture
def sending(incident, eager):
    """The incident's first notification, confirmed and half delivered (one sent, one failed,
    one queued)."""
    notification = incident.notification
    subscribers = [
        Subscriber.objects.create(email=f"s{n}@example.com", state="active") for n in range(3)
    ]
    for subscriber, state in zip(
        subscribers, [DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.QUEUED], strict=True
    ):
        Delivery.objects.create(notification=notification, subscriber=subscriber, state=state)
    notification.state = NotificationState.SENDING
    notification.save(update_fields=["state"])
    return notification


def test_the_progress_view_answers_the_counts(support_client, sending):
    answer = support_client.get(_progress_url(sending))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    data = answer.json()
    counts = [data[key] for key in ("recipients", "delivered", "failed", "remaining")]
    assert counts == [3, 1, 1, 1]
    assert data["state"] == "sending" and data["finished"] is False
    assert data["summary"] == "1 of 3 recipients delivered, 1 failed, 1 remaining."


def test_the_progress_view_refuses_anonymous_and_non_staff(client, django_user_model, sending):
    anonymous = client.get(_progress_url(sending))
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]
    user = django_user_model.objects.create_user("visitor", password="pw", is_staff=False)
    client.force_login(user)
    not_staff = client.get(_progress_url(sending))
    assert not_staff.status_code == 302 and reverse("admin:login") in not_staff["Location"]
    staff = django_user_model.objects.create_user("intern", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(_progress_url(sending)).status_code == 403


def _second_staff(django_user_model, client_class):
    other = django_user_model.objects.create_user("bob", password="pw", is_staff=True)
    other.groups.add(Group.objects.get(name=SUPPORT_STAFF))
    client = client_class()
    client.force_login(other)
    return client


def test_a_stale_form_that_conflicts_is_refused_and_changes_nothing(
    support_client, django_user_model, incident, pods
):
    from django.test import Client

    bob = _second_staff(django_user_model, Client)
    pod13 = f"component_{pods['Pod 13'].pk}"
    mine = form_data(support_client.get(_console_url(incident)), body="Improving.")
    mine[pod13] = "degraded_performance"
    theirs = form_data(bob.get(_console_url(incident)), body="Worse: Pod 13 is down.")
    theirs[pod13] = "major_outage"
    assert bob.post(_console_url(incident), theirs).status_code == 302

    refused = support_client.post(_console_url(incident), mine)
    assert refused.status_code == 409
    assert (
        "1 update was posted while you were writing (the latest by bob): Pods / Pod 13 is now "
        "“Major outage” and yours would set it to “Degraded performance”. Yours was not "
        "published" in refused.content.decode()
    )
    assert list(incident.updates.values_list("body", flat=True).order_by("pk")) == [
        "We are investigating.",
        "Worse: Pod 13 is down.",
    ]
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == ComponentStatus.MAJOR_OUTAGE
    # The page shows the incident as it is now, and keeps what was written.
    assert "Worse: Pod 13 is down." in refused.text
    assert "Improving.</textarea>" in refused.text
    again = refused.context["console"]["form"]
    assert again["version"].value() == incident.updates.order_by("-pk").first().pk
    # Published again on purpose, it lands.
    assert support_client.post(_console_url(incident), form_data(refused)).status_code == 302
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == ComponentStatus.DEGRADED_PERFORMANCE


def test_a_stale_form_that_moves_the_status_back_is_refused(
    support_client, django_user_model, incident
):
    from django.test import Client

    bob = _second_staff(django_user_model, Client)
    mine = form_data(support_client.get(_console_url(incident)), body="Still looking.")
    theirs = form_data(bob.get(_console_url(incident)), status="monitoring", body="Fix out.")
    assert bob.post(_console_url(incident), theirs).status_code == 302
    refused = support_client.post(_console_url(incident), mine)
    assert refused.status_code == 409
    assert "the incident is now “Monitoring” and yours would make it “Investigating”" in (
        refused.text
    )
    incident.refresh_from_db()
    assert incident.status == "monitoring" and incident.updates.count() == 2


def test_two_posts_that_do_not_conflict_both_land_in_order(
    support_client, django_user_model, incident, pods
):
    from django.test import Client

    bob = _second_staff(django_user_model, Client)
    mine = form_data(
        support_client.get(_console_url(incident)),
        status="identified",
        body="Pod 14 is slow too.",
        **{f"component_{pods['Pod 14'].pk}": "degraded_performance"},
    )
    theirs = form_data(
        bob.get(_console_url(incident)),
        status="identified",
        body="The cause is a bad deploy.",
        **{f"component_{pods['Pod 13'].pk}": "major_outage"},
    )
    assert bob.post(_console_url(incident), theirs).status_code == 302
    assert support_client.post(_console_url(incident), mine).status_code == 302
    bodies = list(incident.updates.order_by("display_at").values_list("body", flat=True))
    assert bodies == ["We are investigating.", "The cause is a bad deploy.", "Pod 14 is slow too."]
    pods["Pod 13"].refresh_from_db()
    pods["Pod 14"].refresh_from_db()
    assert pods["Pod 13"].status == "major_outage"
    assert pods["Pod 14"].status == "degraded_performance"
    console = support_client.get(_console_url(incident)).text
    timeline = console[console.index("Timeline, newest first") :]
    assert timeline.index("Pod 14 is slow too.") < timeline.index("The cause is a bad deploy.")


def test_the_service_rule_without_the_admin(incident, pods):
    seen = incident.updates.get().pk
    services.update_post(incident, status="identified", body="A.", expected_version=seen)
    # Same status, no component: no conflict with the entry posted since.
    services.update_post(incident, status="identified", body="B.", expected_version=seen)
    with pytest.raises(ValidationError) as refused:
        services.update_post(incident, status="investigating", body="C.", expected_version=seen)
    assert refused.value.code == "stale"
    assert IncidentUpdate.objects.filter(incident=incident).count() == 3


def test_every_admin_page_has_an_icon(support_client, client, db):
    page = support_client.get(reverse("admin:index"))
    assert 'rel="icon" href="/static/incidents/favicon.svg"' in page.text
    login = client.get(reverse("admin:login"))
    assert 'rel="icon"' in login.text
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 302 and favicon["Location"].endswith("incidents/favicon.svg")


def test_markdown_previews_are_labelled(support_client, incident):
    page = support_client.get(_console_url(incident))
    assert re.search(
        r'<p class="markdownx-preview-label" id="id_body_preview_label">Preview</p>\s*'
        r'<div class="markdownx-preview" role="region" aria-labelledby="id_body_preview_label">',
        page.text,
    )


def test_a_promise_made_in_the_console_shows_on_the_status_page(support_client, client, incident):
    page = support_client.get(_console_url(incident))
    assert '<option value="30">30 minutes</option>' in page.text
    data = form_data(page, status="identified", body="A bad deploy.", next_update_in="30")
    assert support_client.post(_console_url(incident), data).status_code == 302
    latest = incident.updates.order_by("-pk").first()
    assert latest.next_update_in == 30
    assert "Next update by" in client.get(incident.get_absolute_url()).text
    resolving = form_data(
        support_client.get(_console_url(incident)), status="resolved", body="Fixed.",
        next_update_in="30",
    )  # fmt: skip
    assert support_client.post(_console_url(incident), resolving).status_code == 302
    assert "Next update by" not in client.get(incident.get_absolute_url()).text
