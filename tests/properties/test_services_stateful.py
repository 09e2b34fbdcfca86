"""Any sequence of staff actions through the services keeps component and incident states
consistent; any invalid action is refused with ValidationError and changes nothing.

A model runs beside the database, kept from the actions alone (never read back from the
rows the services write): what each incident last set each component to, which incidents are
open, and so the expected component statuses. An update sets the components it names;
resolving or deleting an open incident releases the others it set to the worst status other
open incidents last set them to (operational when none does); a direct status change sets one.
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


# The statuses an incident may set, least severe first.
SEVERITY = ["operational", "degraded_performance", "partial_outage", "major_outage"]


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
        self.set_by: dict[int, dict[int, str]] = {}  # incident → component → what it last set
        self.open: set[int] = set()

    def _changes(self, data) -> dict:
        chosen = data.draw(st.lists(st.sampled_from(self.components), unique=True, max_size=3))
        return {c: data.draw(incident_statuses) for c in chosen}

    def _set(self, pk: int, changes: dict) -> None:
        for component, value in changes.items():
            self.set_by.setdefault(pk, {})[component.pk] = value
            self.expected[component.pk] = value

    def _release(self, pk: int, named: dict) -> None:
        """`pk` stops holding the components it set and `named` does not name."""
        others = [self.set_by.get(other, {}) for other in self.open - {pk}]
        for component_pk in set(self.set_by.get(pk, {})) - {c.pk for c in named}:
            held = [other[component_pk] for other in others if component_pk in other]
            self.expected[component_pk] = max(held, key=SEVERITY.index, default="operational")

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
        self._set(incident.pk, changes)
        self.open.add(incident.pk)
        return incident.pk

    @rule(pk=incidents, data=st.data(), status=st.sampled_from(OPEN), body=bodies)
    def post_update(self, pk, data, status, body):
        incident = Incident.objects.get(pk=pk)
        changes = self._changes(data)
        assert incident.is_open == (pk in self.open)
        reopen = pk not in self.open
        services.update_post(incident, status=status, body=body, components=changes, reopen=reopen)
        self._set(pk, changes)
        self.open.add(pk)

    @rule(pk=incidents, data=st.data(), body=bodies)
    def resolve(self, pk, data, body):
        incident = Incident.objects.get(pk=pk)
        assert incident.is_open == (pk in self.open)
        if pk not in self.open:
            self._refused(lambda: services.incident_resolve(incident, body=body))
            return
        changes = self._changes(data)
        self._release(pk, changes)
        services.incident_resolve(incident, body=body, components=changes)
        self._set(pk, changes)
        self.open.discard(pk)

    @rule(pk=consumes(incidents))
    def delete(self, pk):
        incident = Incident.objects.get(pk=pk)
        if pk in self.open:
            self._release(pk, {})
        services.incident_delete(incident)
        self.set_by.pop(pk, None)
        self.open.discard(pk)

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
    # Long enough runs for three open incidents to share a component and one to be resolved,
    # where the worst of the others' statuses decides.
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.mark.django_db
def test_staff_actions_keep_states_consistent():
    StaffActions.TestCase().runTest()
