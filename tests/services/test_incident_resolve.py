import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ComponentStatus
from tests.conftest import utc


def test_resolving_returns_components_to_operational(make_incident, pods):
    incident = make_incident()
    update = services.incident_resolve(incident, body="Fixed.")
    incident.refresh_from_db()
    pods["Pod 13"].refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at == update.display_at
    assert pods["Pod 13"].status == "operational"
    [change] = update.component_changes.all()
    assert (change.old_status, change.new_status) == ("partial_outage", "operational")


def test_component_held_by_another_open_incident_keeps_that_status(make_incident, pods):
    first = make_incident(components={pods["Pod 13"]: ComponentStatus.MAJOR_OUTAGE})
    make_incident(name="Second", components={pods["Pod 13"]: ComponentStatus.DEGRADED_PERFORMANCE})
    services.incident_resolve(first, body="First one fixed.")
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == ComponentStatus.DEGRADED_PERFORMANCE


def test_resolved_at_is_the_end_of_impact_not_the_update_time(make_incident):
    incident = make_incident(started_at=utc(2024, 3, 20, 19), display_at=utc(2024, 3, 20, 21))
    services.incident_resolve(
        incident, body="Done.", resolved_at=utc(2024, 3, 21, 1, 7),
        display_at=utc(2024, 3, 21, 15, 35),
    )  # fmt: skip
    incident.refresh_from_db()
    assert incident.resolved_at == utc(2024, 3, 21, 1, 7)


def test_resolved_before_start_is_refused(make_incident, pods):
    incident = make_incident(started_at=utc(2024, 3, 20, 19), display_at=utc(2024, 3, 20, 21))
    with pytest.raises(ValidationError, match="cannot end before it started"):
        services.incident_resolve(incident, body="Done.", resolved_at=utc(2024, 3, 20, 18))
    incident.refresh_from_db()
    pods["Pod 13"].refresh_from_db()
    assert incident.status == "investigating"
    assert pods["Pod 13"].status == "partial_outage"
    assert incident.updates.count() == 1


def test_deleting_an_open_incident_releases_its_components(make_incident, pods):
    incident = make_incident()
    services.incident_delete(incident)
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == "operational"


def test_editing_published_text_and_window(make_incident):
    incident = make_incident(started_at=utc(2024, 3, 20, 19), display_at=utc(2024, 3, 20, 21))
    services.incident_edit(incident, name="Renamed", summary="What happened.")
    incident.refresh_from_db()
    assert (incident.name, incident.summary) == ("Renamed", "What happened.")
    with pytest.raises(ValidationError, match="no end yet"):
        services.incident_edit(incident, resolved_at=utc(2024, 3, 21))
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.incident_edit(incident, status="resolved")
    incident.refresh_from_db()
    assert incident.resolved_at is None and incident.status == "investigating"
