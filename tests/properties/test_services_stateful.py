"""Any sequence of staff actions through the services keeps component and incident states
consistent; any invalid action is refused with ValidationError and changes nothing.

A model of the expected component statuses runs beside the database: an update sets the
components it names, resolving or deleting an incident releases the others it held to the
worst status other open incidents hold them in, and a direct status change sets one.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from incidents import services
from incidents.models import (
    ACTIVE_STATUSES,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentComponent,
    IncidentStatus,
    IncidentUpdate,
    UpdateComponentChange,
)
from incidents.notifications.models import Notification

OPEN = [IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING]
statuses = st.sampled_from(ComponentStatus.values)
# What an incident may set: "under maintenance" is a scheduled maintenance's alone.
incident_statuses = st.sampled_from(
    [value for value in ComponentStatus.values if value != ComponentStatus.UNDER_MAINTENANCE]
)
# Any text a person can type; NUL characters are refused (see `text_with_nul`).
typed = st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")
bodies = st.text(typed, min_size=1, max_size=40).filter(str.strip)
names = st.text(typed, min_size=1, max_size=60).filter(str.strip)
bad_statuses = st.sampled_from(["", "fixed", "RESOLVED", "scheduled", "in_progress", "x" * 40])


def snapshot() -> dict:
    """Every row the services above could write."""
    return {
        model.__name__: sorted(map(repr, model.objects.values()))
        for model in (
            Component,
            Incident,
            IncidentUpdate,
            IncidentComponent,
            UpdateComponentChange,
            Notification,
        )
    }


def _held_elsewhere(component_pk: int, incident_pk: int) -> str:
    held = IncidentComponent.objects.filter(
        component_id=component_pk, incident__status__in=ACTIVE_STATUSES
    ).exclude(incident_id=incident_pk)
    return ComponentStatus.worst(held.values_list("status", flat=True))


class StaffActions(RuleBasedStateMachine):
    incidents = Bundle("incidents")

    @initialize()
    def setup(self):
        Notification.objects.all().delete()
        Incident.objects.all().delete()
        Component.objects.all().delete()
        ComponentGroup.objects.all().delete()
        group = services.group_save(ComponentGroup(name="Pods"))
        self.components = [
            services.component_save(Component(group=group, name=f"Pod {n}")) for n in range(3)
        ]
        self.expected = {c.pk: ComponentStatus.OPERATIONAL for c in self.components}

    def _changes(self, data) -> dict:
        chosen = data.draw(st.lists(st.sampled_from(self.components), unique=True, max_size=3))
        return {c: data.draw(incident_statuses) for c in chosen}

    def _release(self, incident: Incident, named: dict) -> None:
        for row in IncidentComponent.objects.filter(incident=incident):
            if row.component_id not in {c.pk for c in named}:
                self.expected[row.component_id] = _held_elsewhere(row.component_id, incident.pk)

    def _refused(self, action) -> None:
        before = snapshot()
        with pytest.raises(ValidationError):
            action()
        assert snapshot() == before

    # Valid actions

    @rule(target=incidents, data=st.data(), status=st.sampled_from(OPEN), body=bodies)
    def open_incident(self, data, status, body):
        changes = self._changes(data)
        incident = services.incident_create(
            name="Trouble", body=body, status=status, components=changes
        )
        for component, value in changes.items():
            self.expected[component.pk] = value
        return incident.pk

    @rule(pk=incidents, data=st.data(), status=st.sampled_from(OPEN), body=bodies)
    def post_update(self, pk, data, status, body):
        incident = Incident.objects.get(pk=pk)
        changes = self._changes(data)
        reopen = not incident.is_open
        services.update_post(incident, status=status, body=body, components=changes, reopen=reopen)
        for component, value in changes.items():
            self.expected[component.pk] = value

    @rule(pk=incidents, data=st.data(), body=bodies)
    def resolve(self, pk, data, body):
        incident = Incident.objects.get(pk=pk)
        if not incident.is_open:
            self._refused(lambda: services.incident_resolve(incident, body=body))
            return
        changes = self._changes(data)
        self._release(incident, changes)
        services.incident_resolve(incident, body=body, components=changes)
        for component, value in changes.items():
            self.expected[component.pk] = value

    @rule(pk=consumes(incidents))
    def delete(self, pk):
        incident = Incident.objects.get(pk=pk)
        if incident.holds_components:
            self._release(incident, {})
        services.incident_delete(incident)

    @rule(index=st.integers(0, 2), status=statuses)
    def set_component_status(self, index, status):
        services.component_set_status(self.components[index], status)
        self.expected[self.components[index].pk] = status

    @rule(pk=incidents, name=names)
    def rename(self, pk, name):
        services.incident_edit(Incident.objects.get(pk=pk), name=name)

    # Invalid actions: refused, nothing changes

    @rule(pk=incidents, status=bad_statuses, body=bodies)
    def update_with_a_bad_status(self, pk, status, body):
        incident = Incident.objects.get(pk=pk)
        self._refused(lambda: services.update_post(incident, status=status, body=body))

    @rule(pk=incidents, body=bodies, where=st.integers(0, 40))
    def text_with_nul(self, pk, body, where):
        incident = Incident.objects.get(pk=pk)
        text = body[:where] + "\x00" + body[where:]
        self._refused(lambda: services.update_post(incident, status="identified", body=text))
        self._refused(lambda: services.incident_edit(incident, name=text))
        self._refused(lambda: services.incident_create(name=text, body="x"))

    @rule(pk=incidents, body=st.sampled_from(["", "   ", "\n\t"]))
    def update_without_a_message(self, pk, body):
        incident = Incident.objects.get(pk=pk)
        self._refused(lambda: services.update_post(incident, status="identified", body=body))

    @rule(pk=incidents, status=bad_statuses)
    def update_with_a_bad_component_status(self, pk, status):
        incident = Incident.objects.get(pk=pk)
        changes = {self.components[0]: status}
        self._refused(
            lambda: services.update_post(
                incident, status="identified", body="x", components=changes
            )
        )

    @rule(pk=incidents)
    def reopen_wrongly(self, pk):
        incident = Incident.objects.get(pk=pk)
        if incident.is_open:  # nothing to reopen
            action = lambda: services.update_post(  # noqa: E731
                incident, status="identified", body="x", reopen=True
            )
        else:  # updates on a resolved incident need reopen, with an open status
            action = lambda: services.update_post(incident, status="identified", body="x")  # noqa: E731
        self._refused(action)

    @rule(pk=incidents, field=st.sampled_from(["status", "public_id", "kind", "nope"]))
    def edit_a_field_that_is_not_editable(self, pk, field):
        incident = Incident.objects.get(pk=pk)
        self._refused(lambda: services.incident_edit(incident, **{field: "resolved"}))

    @rule(index=st.integers(0, 2), status=bad_statuses)
    def set_a_bad_component_status(self, index, status):
        self._refused(lambda: services.component_set_status(self.components[index], status))

    @rule(name=st.sampled_from(["", "   "]), body=bodies)
    def open_without_a_name(self, name, body):
        self._refused(lambda: services.incident_create(name=name, body=body))

    # What must always hold

    @invariant()
    def component_statuses_follow_the_updates(self):
        if hasattr(self, "expected"):
            actual = dict(Component.objects.values_list("pk", "status"))
            assert actual == self.expected

    @invariant()
    def incidents_are_consistent(self):
        for incident in Incident.objects.prefetch_related("updates"):
            updates = list(incident.updates.all())
            assert updates, "an incident always has a first update"
            assert (
                incident.status
                == sorted(updates, key=lambda u: (u.display_at, u.created_at))[-1].status
            )
            assert (incident.resolved_at is None) == incident.is_open
            if incident.resolved_at is not None:
                assert incident.resolved_at >= incident.started_at
            if incident.status == IncidentStatus.MONITORING:
                assert incident.monitoring_at is not None


StaffActions.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.mark.django_db
def test_staff_actions_keep_states_consistent():
    StaffActions.TestCase().runTest()
