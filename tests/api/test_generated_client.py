"""Compatibility: a client generated from Statuspage's published API description
(atlassian-statuspage, swagger-codegen) drives our management API unchanged, against a live
server, and deserializes every answer into its own models."""

import atlassian_statuspage as sp
import pytest
from django.conf import settings

from incidents.models import Component, Incident

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The client keeps connections alive; when the test server's request threads finish them
    # after the test, Django's shared in-memory SQLite connection refuses to be closed from
    # those threads. That is test-harness teardown, not an answer of ours.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


def test_incident_lifecycle_through_the_generated_client(client_for, manager_key, pods):
    api = client_for(manager_key)
    page = settings.STATUSPAGE_PAGE_ID
    components = sp.ComponentsApi(api).get_pages_page_id_components(page)
    pod = next(c for c in components if c.name == "Pod 13")
    assert isinstance(pod, sp.Component) and pod.status == "operational"

    incidents = sp.IncidentsApi(api)
    created = incidents.post_pages_page_id_incidents(
        sp.PostPagesPageIdIncidents(
            incident=sp.PostPagesPageIdIncidentsIncident(
                name="Pod 13 API errors",
                status="investigating",
                body="Some API calls on Pod 13 fail.",
                components={pod.id: "partial_outage"},
                component_ids=[pod.id],
                deliver_notifications=False,
            )
        ),
        page,
    )
    assert isinstance(created, sp.Incident)
    assert created.status == "investigating" and created.impact == "major"
    assert created.incident_updates[0].body == "Some API calls on Pod 13 fail."

    [unresolved] = incidents.get_pages_page_id_incidents_unresolved(page)
    assert unresolved.id == created.id

    updated = incidents.patch_pages_page_id_incidents_incident_id(
        sp.PatchPagesPageIdIncidents(
            incident=sp.PatchPagesPageIdIncidentsIncident(
                status="identified", body="A bad cache node; replacing it."
            )
        ),
        page,
        created.id,
    )
    assert updated.status == "identified"
    assert len(updated.incident_updates) == 2

    first_update = updated.incident_updates[-1]
    corrected = sp.IncidentUpdatesApi(
        api
    ).patch_pages_page_id_incidents_incident_id_incident_updates_incident_update_id(
        sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdates(
            incident_update=sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdatesIncidentUpdate(
                body="Some API calls on Pod 13 fail with errors."
            )
        ),
        page,
        created.id,
        first_update.id,
    )
    assert corrected.body == "Some API calls on Pod 13 fail with errors."

    resolved = incidents.patch_pages_page_id_incidents_incident_id(
        sp.PatchPagesPageIdIncidents(
            incident=sp.PatchPagesPageIdIncidentsIncident(status="resolved", body="Fixed.")
        ),
        page,
        created.id,
    )
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert Component.objects.get(public_id=pod.id).status == "operational"
    assert Incident.objects.get(public_id=created.id).updates.count() == 3


def test_components_and_groups_through_the_generated_client(client_for, manager_key, pods):
    api = client_for(manager_key)
    page = settings.STATUSPAGE_PAGE_ID
    made = sp.ComponentsApi(api).post_pages_page_id_components(
        sp.PostPagesPageIdComponents(
            component=sp.PostPagesPageIdComponentsComponent(
                name="Voice", description="Calls", status="degraded_performance"
            )
        ),
        page,
    )
    assert made.status == "degraded_performance"
    group = sp.ComponentGroupsApi(api).post_pages_page_id_component_groups(
        sp.PostPagesPageIdComponentGroups(
            description="Telephony products",
            component_group=sp.PostPagesPageIdComponentGroupsComponentGroup(
                name="Telephony", components=[made.id]
            ),
        ),
        page,
    )
    assert group.name == "Telephony"
    fetched = sp.ComponentsApi(api).get_pages_page_id_components_component_id(page, made.id)
    assert fetched.group_id == group.id


def test_errors_reach_the_generated_client_as_statuspage_codes(client_for, support_key, pods):
    api = client_for(support_key)
    page = settings.STATUSPAGE_PAGE_ID
    with pytest.raises(sp.rest.ApiException) as denied:
        sp.ComponentsApi(api).delete_pages_page_id_components_component_id(
            page, pods["Pod 13"].public_id
        )
    assert denied.value.status == 403
    with pytest.raises(sp.rest.ApiException) as unknown:
        sp.IncidentsApi(api).get_pages_page_id_incidents_incident_id(page, "nosuchincdnt")
    assert unknown.value.status == 404
    with pytest.raises(sp.rest.ApiException) as unauthenticated:
        sp.ComponentsApi(client_for("wrong-key")).get_pages_page_id_components(page)
    assert unauthenticated.value.status == 401
