"""Scheduled maintenance: every transition, and the input that is refused."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Component, Incident, IncidentUpdate
from tests.conftest import utc

NOW = utc(2024, 4, 2, 12, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def schedule(pods, **kwargs):
    kwargs.setdefault("name", "Pod 17 database upgrade")
    kwargs.setdefault("body", "We will upgrade the database of Pod 17.")
    kwargs.setdefault("scheduled_for", NOW + timedelta(days=1))
    kwargs.setdefault("scheduled_until", NOW + timedelta(days=1, hours=2))
    kwargs.setdefault("components", [pods["Pod 17"]])
    return services.maintenance_schedule(**kwargs)


def status_of(component: Component) -> str:
    component.refresh_from_db()
    return component.status


def test_scheduling_announces_without_touching_components(
    pods, committed_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        maintenance = schedule(pods)
    assert maintenance.kind == "maintenance"
    assert maintenance.status == "scheduled"
    assert list(maintenance.components.all()) == [pods["Pod 17"]]
    assert status_of(pods["Pod 17"]) == "operational"
    assert maintenance.updates.get().status == "scheduled"
    assert [event.action for event in committed_events] == ["maintenance.schedule"]
    assert committed_events[0].target == maintenance
    # It is not an incident: the open-incident lists leave it out.
    assert not Incident.objects.open().exists()
    assert list(Incident.objects.upcoming()) == [maintenance]


def test_start_puts_components_under_maintenance(
    pods, committed_events, django_capture_on_commit_callbacks
):
    maintenance = schedule(pods)
    with django_capture_on_commit_callbacks(execute=True):
        update = services.maintenance_start(maintenance, body="Starting now.")
    maintenance.refresh_from_db()
    assert maintenance.status == "in_progress"
    assert maintenance.started_at == NOW
    assert update.body == "Starting now."
    assert status_of(pods["Pod 17"]) == "under_maintenance"
    assert [(c.old_status, c.new_status) for c in update.component_changes.all()] == [
        ("operational", "under_maintenance")
    ]
    assert committed_events[-1].action == "maintenance.start"
    assert committed_events[-1].automatic is False


def test_start_keeps_a_worse_outage_showing(pods, make_incident):
    make_incident(components={pods["Pod 17"]: "major_outage"})
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    assert status_of(pods["Pod 17"]) == "major_outage"


def test_verifying_keeps_components_under_maintenance(
    pods, committed_events, django_capture_on_commit_callbacks
):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    with django_capture_on_commit_callbacks(execute=True):
        update = services.maintenance_verify(maintenance)
    maintenance.refresh_from_db()
    assert maintenance.status == "verifying"
    assert "verifying" in update.body
    assert status_of(pods["Pod 17"]) == "under_maintenance"
    assert committed_events[-1].action == "maintenance.update"


def test_completion_returns_components_and_records_the_end(
    pods, committed_events, django_capture_on_commit_callbacks
):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    services.maintenance_verify(maintenance)
    with django_capture_on_commit_callbacks(execute=True):
        services.maintenance_complete(maintenance, display_at=NOW + timedelta(hours=1))
    maintenance.refresh_from_db()
    assert maintenance.status == "completed"
    assert maintenance.resolved_at == NOW + timedelta(hours=1)
    assert status_of(pods["Pod 17"]) == "operational"
    assert committed_events[-1].action == "maintenance.complete"
    assert [u.status for u in maintenance.updates.all()] == [
        "scheduled", "in_progress", "verifying", "completed"
    ]  # fmt: skip


def test_completion_leaves_an_open_incident_holding_the_component(pods, make_incident):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    make_incident(components={pods["Pod 17"]: "partial_outage"})
    services.maintenance_complete(maintenance)
    assert status_of(pods["Pod 17"]) == "partial_outage"


def test_resolving_an_incident_during_maintenance_returns_the_component_to_maintenance(
    pods, make_incident
):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    incident = make_incident(components={pods["Pod 17"]: "major_outage"})
    services.incident_resolve(incident, body="Fixed.")
    assert status_of(pods["Pod 17"]) == "under_maintenance"


def test_a_note_keeps_the_status(pods):
    maintenance = schedule(pods)
    services.maintenance_update_post(maintenance, status="scheduled", body="Moved by a day.")
    maintenance.refresh_from_db()
    assert maintenance.status == "scheduled"
    assert maintenance.updates.count() == 2


@pytest.mark.parametrize(
    ("steps", "target", "message"),
    [
        ([], "completed", "cannot move to “Completed”"),
        ([], "verifying", "cannot move to “Verifying”"),
        (["in_progress", "completed"], "in_progress", "cannot move to “In progress”"),
        ([], "investigating", "is not a maintenance status"),
    ],
)
def test_wrong_transitions_are_refused_and_change_nothing(pods, steps, target, message):
    maintenance = schedule(pods)
    for step in steps:
        services.maintenance_update_post(maintenance, status=step)
    before = IncidentUpdate.objects.count()
    status_before = Incident.objects.get(pk=maintenance.pk).status
    component_before = status_of(pods["Pod 17"])
    with pytest.raises(ValidationError, match=message):
        services.maintenance_update_post(maintenance, status=target, body="x")
    assert IncidentUpdate.objects.count() == before
    assert Incident.objects.get(pk=maintenance.pk).status == status_before
    assert status_of(pods["Pod 17"]) == component_before


def test_a_window_ending_before_it_starts_is_refused(pods):
    with pytest.raises(ValidationError, match="must end after it starts"):
        schedule(
            pods, scheduled_until=NOW + timedelta(hours=1), scheduled_for=NOW + timedelta(hours=2)
        )
    assert not Incident.objects.exists()


def test_a_window_already_over_is_refused(pods):
    with pytest.raises(ValidationError, match="already over"):
        schedule(
            pods, scheduled_for=NOW - timedelta(hours=3), scheduled_until=NOW - timedelta(hours=1)
        )
    assert not Incident.objects.exists()


def test_incident_services_refuse_maintenance_and_the_other_way_round(pods, make_incident):
    maintenance = schedule(pods)
    with pytest.raises(ValidationError, match="scheduled maintenance"):
        services.update_post(maintenance, status="identified", body="x")
    incident = make_incident()
    with pytest.raises(ValidationError, match="not a scheduled maintenance"):
        services.maintenance_start(incident)
    with pytest.raises(ValidationError, match="not an incident status"):
        services.update_post(incident, status="in_progress", body="x")
    assert maintenance.updates.count() == 1 and incident.updates.count() == 1


def test_editing_the_window_before_the_start_moves_it(pods):
    maintenance = schedule(pods)
    later = NOW + timedelta(days=2)
    services.maintenance_edit(
        maintenance, scheduled_for=later, scheduled_until=later + timedelta(hours=1)
    )
    maintenance.refresh_from_db()
    assert (maintenance.scheduled_for, maintenance.started_at) == (later, later)
    with pytest.raises(ValidationError, match="must end after it starts"):
        services.maintenance_edit(maintenance, scheduled_until=later - timedelta(hours=1))
    maintenance.refresh_from_db()
    assert maintenance.scheduled_until == later + timedelta(hours=1)


def test_the_window_is_fixed_once_started(pods):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    with pytest.raises(ValidationError, match="before the maintenance starts"):
        services.maintenance_edit(maintenance, scheduled_until=NOW + timedelta(days=3))


def test_components_change_before_the_start_only(pods):
    maintenance = schedule(pods)
    services.maintenance_set_components(maintenance, [pods["Pod 13"], pods["Pod 14"]])
    assert set(maintenance.components.values_list("name", flat=True)) == {"Pod 13", "Pod 14"}
    services.maintenance_start(maintenance)
    assert status_of(pods["Pod 13"]) == "under_maintenance"
    assert status_of(pods["Pod 17"]) == "operational"
    with pytest.raises(ValidationError):
        services.maintenance_set_components(maintenance, [pods["Pod 17"]])


def test_deleting_a_running_maintenance_releases_its_components(pods):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    services.incident_delete(maintenance)
    assert status_of(pods["Pod 17"]) == "operational"


def test_starting_twice_is_refused(pods):
    maintenance = schedule(pods)
    services.maintenance_start(maintenance)
    with pytest.raises(ValidationError, match="cannot move to “In progress”"):
        services.maintenance_start(maintenance)
    assert maintenance.updates.filter(status="in_progress").count() == 1
