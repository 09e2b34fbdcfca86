"""What alerts do to components: severity to status, worst of the firing alerts, the return
to what still holds a component, replays, the incident and maintenance rules, flap damping
(time travelled, never slept), and the audit log of every automated change."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from incidents import services
from incidents.audit.models import AuditLog
from incidents.models import Component, ComponentStatus
from incidents.monitoring import services as monitoring
from incidents.monitoring.models import AlertState, PendingChange
from tests.conftest import utc

from .conftest import am_alert, am_payload

NOW = utc(2024, 3, 20, 19, 5)
S = ComponentStatus


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def status(name: str) -> str:
    return Component.objects.get(name=name).status


def automated_changes(name: str = "Billing") -> list[tuple[str, str]]:
    rows = AuditLog.objects.filter(action="component.status", target_repr__endswith=name)
    return [(row.before["status"], row.after["status"]) for row in rows.order_by("pk")]


def fire(post, path, *alerts):
    response = post(path, am_payload(*alerts))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", S.MAJOR_OUTAGE), ("warning", S.PARTIAL_OUTAGE), ("info", S.DEGRADED_PERFORMANCE),
     ("WARNING", S.PARTIAL_OUTAGE)],
)  # fmt: skip
def test_severity_maps_to_a_status(post, alertmanager, world, severity, expected):
    _integration, path = alertmanager
    fire(post, path, am_alert(severity=severity))
    assert status("Billing") == expected


def test_an_integrations_own_severity_map(post, make_integration, world):
    _integration, path = make_integration(
        flap_interval_s=0, severity_map={"p1": "major_outage", "p3": "degraded_performance"}
    )
    fire(post, path, am_alert(severity="p3"))
    assert status("Billing") == S.DEGRADED_PERFORMANCE
    assert post(path, am_payload(am_alert("b", severity="critical"))).status_code == 422


def test_the_worst_firing_alert_holds_and_resolving_returns_to_what_else_holds(
    post, alertmanager, make_integration, world
):
    _integration, path = alertmanager
    _grafana, grafana_path = make_integration("grafana", flap_interval_s=0)
    fire(post, path, am_alert("warn", severity="warning"))
    assert status("Billing") == S.PARTIAL_OUTAGE
    fire(post, grafana_path, am_alert("crit", severity="critical"))
    assert status("Billing") == S.MAJOR_OUTAGE
    # The critical alert (another integration) resolves: the warning still holds it.
    fire(post, grafana_path, am_alert("crit", status="resolved", ends="2024-03-20T19:04:00Z"))
    assert status("Billing") == S.PARTIAL_OUTAGE
    fire(post, path, am_alert("warn", severity="warning", status="resolved"))
    assert status("Billing") == S.OPERATIONAL
    assert automated_changes() == [
        ("operational", "partial_outage"),
        ("partial_outage", "major_outage"),
        ("major_outage", "partial_outage"),
        ("partial_outage", "operational"),
    ]


def test_every_automated_change_is_audited_with_its_alert(post, alertmanager, world):
    integration, path = alertmanager
    fire(post, path, am_alert("fp-1", alertname="BillingDown"))
    entry = AuditLog.objects.get(action="component.status")
    assert entry.actor is None and entry.actor_repr == "monitoring: alertmanager test"
    assert entry.after["status"] == "major_outage"
    assert entry.after["cause"] == {
        "integration": integration.public_id,
        "integration_name": "alertmanager test",
        "fingerprint": "fp-1",
        "alertname": "BillingDown",
        "alert": "firing",
    }


def test_a_replayed_payload_changes_nothing_twice(post, alertmanager, world):
    _integration, path = alertmanager
    firing = am_alert("fp", ends="2024-03-20T19:09:00Z")
    assert fire(post, path, firing)["changed"] == 1
    digest = AlertState.objects.get().digest
    # Alertmanager repeats a firing alert with a later forecast end: the same word.
    again = am_alert("fp", ends="2024-03-20T19:13:00Z")
    assert fire(post, path, again) | {"received": 1} == {
        "received": 1, "changed": 0, "components": {}, "pending": {}, "draft_incident": None,
    }  # fmt: skip
    assert AlertState.objects.get().digest == digest
    resolved = am_alert("fp", status="resolved", ends="2024-03-20T19:04:30Z")
    fire(post, path, resolved)
    assert fire(post, path, resolved)["changed"] == 0
    # The old "firing" arriving late (a retry) does not undo the resolution.
    assert fire(post, path, firing)["changed"] == 0
    assert status("Billing") == S.OPERATIONAL
    assert automated_changes() == [("operational", "major_outage"), ("major_outage", "operational")]
    assert AlertState.objects.count() == 1


def test_the_same_alert_firing_again_later_counts(post, alertmanager, world, _frozen):
    _integration, path = alertmanager
    fire(post, path, am_alert("fp", starts="2024-03-20T19:00:00Z"))
    fire(post, path, am_alert("fp", status="resolved", ends="2024-03-20T19:01:00Z"))
    fire(post, path, am_alert("fp", starts="2024-03-20T19:03:00Z"))
    assert status("Billing") == S.MAJOR_OUTAGE


def test_while_an_incident_is_open_on_a_component_staff_hold_it(
    post, alertmanager, world, make_incident
):
    _integration, path = alertmanager
    incident = make_incident(components={world["Billing"]: S.DEGRADED_PERFORMANCE})
    fire(post, path, am_alert())
    assert status("Billing") == S.DEGRADED_PERFORMANCE
    assert automated_changes() == []
    # Resolving the incident returns the component to what the firing alert holds it in.
    services.incident_resolve(incident, body="Fixed.")
    assert status("Billing") == S.MAJOR_OUTAGE
    fire(post, path, am_alert(status="resolved"))
    assert status("Billing") == S.OPERATIONAL


def test_an_incident_on_another_component_does_not_hold_this_one(
    post, alertmanager, world, make_incident
):
    _integration, path = alertmanager
    make_incident()  # on Pod 13
    fire(post, path, am_alert())
    assert status("Billing") == S.MAJOR_OUTAGE


def test_running_maintenance_holds_its_components(post, alertmanager, world, _frozen):
    _integration, path = alertmanager
    maintenance = services.maintenance_schedule(
        name="Billing database upgrade", body="We upgrade the billing database.",
        scheduled_for=NOW + timedelta(minutes=1), scheduled_until=NOW + timedelta(hours=1),
        components=[world["Billing"]],
    )  # fmt: skip
    _frozen.shift(timedelta(minutes=2))
    services.maintenance_start(maintenance, body="Started.")
    assert status("Billing") == S.UNDER_MAINTENANCE
    fire(post, path, am_alert(severity="warning"))
    assert status("Billing") == S.UNDER_MAINTENANCE
    services.maintenance_complete(maintenance, body="Done.")
    assert status("Billing") == S.PARTIAL_OUTAGE  # the alert still fires
    fire(post, path, am_alert(severity="warning", status="resolved"))
    assert status("Billing") == S.OPERATIONAL


def test_an_integration_that_does_not_update_components_leaves_them(post, make_integration, world):
    _integration, path = make_integration(update_components=False, flap_interval_s=0)
    fire(post, path, am_alert())
    assert status("Billing") == S.OPERATIONAL
    assert AlertState.objects.get().state == "firing"


def test_turning_updates_off_lets_the_components_go(post, alertmanager, world):
    integration, path = alertmanager
    fire(post, path, am_alert())
    monitoring.integration_update(integration, update_components=False)
    assert status("Billing") == S.OPERATIONAL


def test_deleting_an_integration_releases_its_components(post, alertmanager, world):
    integration, path = alertmanager
    fire(post, path, am_alert())
    monitoring.integration_delete(integration)
    assert status("Billing") == S.OPERATIONAL
    assert AlertState.objects.count() == 0


def test_a_generic_payload_sets_and_clears(post, make_integration, world):
    _integration, path = make_integration("generic", flap_interval_s=0)
    ok = post(path, {"component": "Pod 17", "status": "partial_outage", "summary": "Slow."})
    assert ok.status_code == 200, ok.content
    assert status("Pod 17") == S.PARTIAL_OUTAGE
    post(path, {"component": world["Pod 17"].public_id, "status": "major_outage"})
    assert status("Pod 17") == S.MAJOR_OUTAGE
    assert AlertState.objects.count() == 1  # one alert per component, by id or by name
    post(path, {"component": "pod 17", "status": "resolved"})
    assert status("Pod 17") == S.OPERATIONAL


# Flap damping.


@pytest.fixture
def damped(make_integration, world):
    return make_integration(flap_interval_s=300)


def test_a_change_waits_for_the_flap_interval(post, damped, world, _frozen):
    _integration, path = damped
    answer = fire(post, path, am_alert())
    assert answer["pending"] == {"Billing": "major_outage"} and answer["components"] == {}
    assert status("Billing") == S.OPERATIONAL
    _frozen.shift(timedelta(seconds=299))
    assert monitoring.settle_due() == []
    _frozen.shift(timedelta(seconds=1))
    assert monitoring.settle_due() == ["Billing"]
    assert status("Billing") == S.MAJOR_OUTAGE
    assert not PendingChange.objects.exists()


def test_a_blip_within_the_interval_changes_nothing_public(post, damped, world, _frozen):
    _integration, path = damped
    fire(post, path, am_alert())
    _frozen.shift(timedelta(seconds=120))
    fire(post, path, am_alert(status="resolved", ends="2024-03-20T19:06:00Z"))
    assert not PendingChange.objects.exists()
    _frozen.shift(timedelta(seconds=600))
    assert monitoring.settle_due() == []
    assert status("Billing") == S.OPERATIONAL
    assert automated_changes() == []


def test_a_component_changes_at_most_once_per_interval(post, damped, world, _frozen):
    _integration, path = damped
    fire(post, path, am_alert("a", severity="warning"))
    _frozen.shift(timedelta(seconds=100))
    # Worse meanwhile: the pending change follows, its clock kept.
    fire(post, path, am_alert("b", severity="critical"))
    _frozen.shift(timedelta(seconds=200))
    assert monitoring.settle_due() == ["Billing"]
    assert status("Billing") == S.MAJOR_OUTAGE
    fire(post, path, am_alert("b", status="resolved"))
    _frozen.shift(timedelta(seconds=299))
    assert monitoring.settle_due() == []
    _frozen.shift(timedelta(seconds=1))
    assert monitoring.settle_due() == ["Billing"]
    assert status("Billing") == S.PARTIAL_OUTAGE  # "a" still fires
    assert automated_changes() == [
        ("operational", "major_outage"),
        ("major_outage", "partial_outage"),
    ]
    changes = AuditLog.objects.filter(action="component.status").order_by("pk")
    assert changes[1].created_at - changes[0].created_at >= timedelta(seconds=300)


def test_a_pending_change_an_incident_overtakes_is_dropped(
    post, damped, world, _frozen, make_incident
):
    _integration, path = damped
    fire(post, path, am_alert())
    make_incident(components={world["Billing"]: S.PARTIAL_OUTAGE})
    _frozen.shift(timedelta(seconds=400))
    assert monitoring.settle_due() == []
    assert status("Billing") == S.PARTIAL_OUTAGE
    assert not PendingChange.objects.exists()


def test_the_settle_task_runs_the_service(post, damped, world, _frozen, eager):
    from incidents.monitoring.tasks import settle

    _integration, path = damped
    fire(post, path, am_alert())
    _frozen.shift(timedelta(seconds=301))
    assert settle.delay().get() == ["Billing"]


def test_new_words_on_a_firing_alert_change_no_component(post, alertmanager, world):
    _integration, path = alertmanager
    fire(post, path, am_alert("fp", summary="Billing is failing"))
    answer = fire(post, path, am_alert("fp", summary="Billing is failing for 12% of cards"))
    assert answer["changed"] == 0
    assert AlertState.objects.get().summary == "Billing is failing for 12% of cards"
    assert automated_changes() == [("operational", "major_outage")]


def test_an_alert_that_changes_component_releases_the_old_one(post, make_integration, world):
    _integration, path = make_integration("generic", flap_interval_s=0)
    post(path, {"component": "Pod 13", "status": "major_outage"})
    # A generic alert is one per component; an Alertmanager one moves with its labels.
    _am, am_path = make_integration(flap_interval_s=0, component_label="service")
    alert = am_alert("moving")
    alert["labels"]["service"] = "Pod 14"
    fire(post, am_path, alert)
    alert["labels"]["service"] = "Pod 17"
    fire(post, am_path, alert)
    assert (status("Pod 13"), status("Pod 14"), status("Pod 17")) == (
        S.MAJOR_OUTAGE, S.OPERATIONAL, S.MAJOR_OUTAGE,
    )  # fmt: skip
