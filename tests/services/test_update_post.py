import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ComponentStatus, IncidentUpdate
from tests.conftest import utc


def test_update_moves_status_and_records_component_changes(make_incident, pods):
    incident = make_incident()
    update = services.update_post(
        incident,
        status="identified",
        body="Found it.",
        components={pods["Pod 14"]: ComponentStatus.DEGRADED_PERFORMANCE},
    )
    incident.refresh_from_db()
    assert incident.status == "identified"
    assert [
        (c.component.name, c.old_status, c.new_status) for c in update.component_changes.all()
    ] == [("Pod 14", "operational", "degraded_performance")]
    assert set(incident.components.values_list("name", flat=True)) == {"Pod 13", "Pod 14"}


def test_monitoring_time_is_recorded_once(make_incident):
    incident = make_incident()
    services.update_post(
        incident, status="monitoring", body="Fix out.", display_at=utc(2024, 1, 1, 10)
    )
    services.update_post(
        incident, status="monitoring", body="Still fine.", display_at=utc(2024, 1, 1, 11)
    )
    incident.refresh_from_db()
    assert incident.monitoring_at == utc(2024, 1, 1, 10)


def test_update_on_resolved_incident_is_refused_without_reopening(make_incident, pods):
    incident = make_incident()
    services.incident_resolve(incident, body="Fixed.")
    with pytest.raises(ValidationError, match="Reopen it"):
        services.update_post(
            incident, status="investigating", body="Back again?",
            components={pods["Pod 13"]: "major_outage"},
        )  # fmt: skip
    incident.refresh_from_db()
    pods["Pod 13"].refresh_from_db()
    assert incident.status == "resolved"
    assert incident.updates.count() == 2
    assert pods["Pod 13"].status == "operational"


def test_reopening_clears_the_end_of_the_impact(make_incident, pods):
    incident = make_incident()
    services.incident_resolve(incident, body="Fixed.")
    services.update_post(
        incident, status="investigating", body="It is back.", reopen=True,
        components={pods["Pod 13"]: "major_outage"},
    )  # fmt: skip
    incident.refresh_from_db()
    pods["Pod 13"].refresh_from_db()
    assert incident.status == "investigating"
    assert incident.resolved_at is None
    assert pods["Pod 13"].status == "major_outage"


def test_reopening_an_open_incident_is_refused(make_incident):
    incident = make_incident()
    with pytest.raises(ValidationError, match="not resolved"):
        services.update_post(incident, status="identified", body="x", reopen=True)
    assert incident.updates.count() == 1


def test_invalid_update_changes_nothing(make_incident, pods):
    incident = make_incident()
    with pytest.raises(ValidationError):
        services.update_post(
            incident, status="identified", body="x", components={pods["Pod 14"]: "melted"}
        )
    assert IncidentUpdate.objects.count() == 1
    pods["Pod 14"].refresh_from_db()
    assert pods["Pod 14"].status == "operational"
    incident.refresh_from_db()
    assert incident.status == "investigating"


def test_editing_an_update_keeps_its_place(make_incident):
    incident = make_incident(display_at=utc(2024, 1, 1, 10))
    update = incident.updates.get()
    services.update_edit(update, body="Corrected text.", display_at=utc(2024, 1, 1, 9, 30))
    update.refresh_from_db()
    assert (update.body, update.display_at) == ("Corrected text.", utc(2024, 1, 1, 9, 30))
    with pytest.raises(ValidationError):
        services.update_edit(update, body="  ")
