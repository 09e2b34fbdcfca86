"""Postmortems: drafting, publishing, reverting, and remediation items."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Postmortem, RemediationItem
from tests.conftest import utc

PUBLISHED_AT = utc(2024, 3, 25, 17, 0)


@pytest.fixture
def resolved(make_incident):
    incident = make_incident(name="False payment banner")
    services.incident_resolve(incident, body="Fixed.")
    return incident


@pytest.fixture
def draft(resolved):
    return services.postmortem_save_draft(
        resolved, root_cause="A missing check.", resolution="We turned the banner off."
    )


@pytest.fixture
def published(committed_events):
    """The postmortem publications announced once their write committed."""

    def announced():
        return [
            (e.target.pk, e.target.incident_id, e.actor)
            for e in committed_events
            if e.action == "postmortem.publish"
        ]

    return announced


def test_a_draft_is_created_once_and_edited_in_place(resolved):
    first = services.postmortem_save_draft(resolved, root_cause="Draft one.")
    second = services.postmortem_save_draft(resolved, resolution="Turned it off.")
    assert first.pk == second.pk
    assert (second.root_cause, second.resolution, second.status) == (
        "Draft one.", "Turned it off.", "draft"
    )  # fmt: skip


def test_publishing_records_who_and_when_and_is_announced_once(
    draft, manager_user, published, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(PUBLISHED_AT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.postmortem_publish(draft, actor=manager_user)
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_at == PUBLISHED_AT
    assert draft.published_by == manager_user
    assert published() == [(draft.pk, draft.incident_id, manager_user)]


def test_publishing_twice_is_refused(draft, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.postmortem_publish(draft)
        with pytest.raises(ValidationError, match="already published"):
            services.postmortem_publish(draft)
    assert len(published()) == 1


def test_an_empty_postmortem_is_not_published(resolved, published):
    empty = services.postmortem_save_draft(resolved, root_cause="   ")
    services.remediation_item_add(empty, description="Something to do.")
    with pytest.raises(ValidationError, match="The postmortem is empty"):
        services.postmortem_publish(empty)
    empty.refresh_from_db()
    assert (empty.status, empty.published_at) == ("draft", None)
    assert published() == []


def test_an_open_incident_postmortem_is_not_published(make_incident):
    incident = make_incident()
    postmortem = services.postmortem_save_draft(incident, root_cause="Early notes.")
    with pytest.raises(ValidationError, match="Resolve the incident"):
        services.postmortem_publish(postmortem)
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_a_published_text_changes_only_after_reverting(draft, manager_user):
    services.postmortem_publish(draft, actor=manager_user)
    with pytest.raises(ValidationError, match="Revert it to draft"):
        services.postmortem_save_draft(draft.incident, root_cause="Rewritten.")
    draft.refresh_from_db()
    assert draft.root_cause == "A missing check."
    services.postmortem_revert(draft, actor=manager_user)
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.published_by) == ("draft", None, None)
    services.postmortem_save_draft(draft.incident, root_cause="Rewritten.")
    draft.refresh_from_db()
    assert draft.root_cause == "Rewritten."


def test_reverting_a_draft_is_refused(draft):
    with pytest.raises(ValidationError, match="draft already"):
        services.postmortem_revert(draft)


def test_maintenance_has_no_postmortem(pods):
    with time_machine.travel(utc(2024, 4, 1), tick=False):
        maintenance = services.maintenance_schedule(
            name="Upgrade", body="Announced.",
            scheduled_for=utc(2024, 4, 2), scheduled_until=utc(2024, 4, 2, 2),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="no postmortem"):
        services.postmortem_save_draft(maintenance, root_cause="x")
    assert not Postmortem.objects.exists()


def test_remediation_items_keep_their_order_and_state(draft):
    first = services.remediation_item_add(draft, description="Review the audience rules.")
    second = services.remediation_item_add(
        draft,
        description="Add alerts.",
        state="in_progress",
        owner="Ops",
        due_date=date(2024, 6, 1),
    )
    third = services.remediation_item_add(draft, description="Second review.", state="done")
    assert [i.description for i in draft.remediation_items.all()] == [
        "Review the audience rules.", "Add alerts.", "Second review."
    ]  # fmt: skip
    assert (second.state, second.owner, second.due_date) == ("in_progress", "Ops", date(2024, 6, 1))
    services.remediation_items_reorder(draft, [third.pk, first.pk, second.pk])
    assert list(draft.remediation_items.values_list("pk", flat=True)) == [
        third.pk, first.pk, second.pk
    ]  # fmt: skip
    services.remediation_item_update(first, state="done")
    first.refresh_from_db()
    assert first.state == "done"
    services.remediation_item_delete(second)
    assert draft.remediation_items.count() == 2


def test_items_progress_after_publication(draft):
    item = services.remediation_item_add(draft, description="Add alerts.")
    services.postmortem_publish(draft)
    services.remediation_item_update(item, state="done")
    item.refresh_from_db()
    assert item.state == "done"


def test_an_unknown_remediation_state_is_refused(draft):
    with pytest.raises(ValidationError, match="“finished” is not a remediation state"):
        services.remediation_item_add(draft, description="Add alerts.", state="finished")
    assert not RemediationItem.objects.exists()
    item = services.remediation_item_add(draft, description="Add alerts.")
    with pytest.raises(ValidationError, match="not a remediation state"):
        services.remediation_item_update(item, state="finished", description="Changed")
    item.refresh_from_db()
    assert (item.state, item.description) == ("planned", "Add alerts.")


def test_an_item_needs_a_description(draft):
    with pytest.raises(ValidationError):
        services.remediation_item_add(draft, description="  ")
    assert not RemediationItem.objects.exists()


def test_reordering_must_list_every_item_once(draft):
    first = services.remediation_item_add(draft, description="One.")
    second = services.remediation_item_add(draft, description="Two.")
    for wrong in ([first.pk], [first.pk, first.pk], [first.pk, second.pk, 999]):
        with pytest.raises(ValidationError, match="exactly once"):
            services.remediation_items_reorder(draft, wrong)
    assert list(draft.remediation_items.values_list("pk", flat=True)) == [first.pk, second.pk]
