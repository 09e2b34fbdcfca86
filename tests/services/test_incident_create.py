import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ComponentStatus, Incident, IncidentUpdate
from tests.conftest import utc


def test_create_opens_incident_with_first_update_and_sets_components(pods):
    incident = services.incident_create(
        name="Pod 13 unreachable",
        body="We are **investigating**.",
        impact_override="major",
        components={pods["Pod 13"]: ComponentStatus.MAJOR_OUTAGE},
    )
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == ComponentStatus.MAJOR_OUTAGE
    assert incident.status == "investigating"
    assert incident.resolved_at is None
    [update] = incident.updates.all()
    assert update.body == "We are **investigating**."
    [change] = update.component_changes.all()
    assert (change.old_status, change.new_status) == ("operational", "major_outage")
    assert len(incident.public_id) == 12


def test_impact_window_is_independent_of_update_times(pods):
    incident = services.incident_create(
        name="Banner", body="Looking into it.", started_at=utc(2024, 3, 20, 19),
        display_at=utc(2024, 3, 20, 20, 59),
    )  # fmt: skip
    assert incident.started_at == utc(2024, 3, 20, 19)
    assert incident.updates.get().display_at == utc(2024, 3, 20, 20, 59)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"body": "   "}, "body"),
        ({"status": "exploded"}, "status"),
        ({"impact_override": "catastrophic"}, "impact_override"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(pods, kwargs, field):
    arguments = {"name": "Outage", "body": "Investigating.", **kwargs}
    with pytest.raises(ValidationError) as raised:
        services.incident_create(components={pods["Pod 13"]: "major_outage"}, **arguments)
    assert field in raised.value.message_dict
    assert not Incident.objects.exists()
    assert not IncidentUpdate.objects.exists()
    pods["Pod 13"].refresh_from_db()
    assert pods["Pod 13"].status == "operational"


def test_component_status_outside_the_set_is_refused(pods):
    with pytest.raises(ValidationError, match="not a component status"):
        services.incident_create(
            name="Outage", body="Investigating.", components={pods["Pod 13"]: "on_fire"}
        )
    assert not Incident.objects.exists()


def test_backfilled_resolved_incident_needs_end_after_start(pods):
    with pytest.raises(ValidationError, match="cannot end before it started"):
        services.incident_create(
            name="Old outage", body="Resolved.", status="resolved",
            started_at=utc(2024, 3, 20, 19), resolved_at=utc(2024, 3, 20, 18),
            display_at=utc(2024, 3, 20, 20),
        )  # fmt: skip
    assert not Incident.objects.exists()
