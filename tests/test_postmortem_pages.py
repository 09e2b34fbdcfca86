"""The postmortem on the incident page: published sections in order, or a pending notice."""

from datetime import date

import pytest
import time_machine

from incidents import services
from tests.conftest import utc


@pytest.fixture
def resolved(make_incident):
    incident = make_incident(name="False payment banner")
    services.incident_resolve(incident, body="The banner is gone.")
    return incident


@pytest.fixture
def postmortem(resolved):
    draft = services.postmortem_save_draft(
        resolved,
        root_cause="A **missing check** on payment status.",
        resolution="We switched the banner off.",
        body="More on our [blog](https://example.com/blog).",
    )
    services.remediation_item_add(draft, description="Review audience rules.", state="done")
    services.remediation_item_add(
        draft, description="Add alerts.", state="in_progress", owner="Ops team",
        due_date=date(2024, 6, 30),
    )  # fmt: skip
    services.remediation_item_add(draft, description="Second review for changes.")
    return draft


def test_a_draft_stays_private_with_a_pending_notice(client, postmortem):
    text = client.get(postmortem.incident.get_absolute_url()).text
    assert "A postmortem is being written" in text
    assert "missing check" not in text
    assert "Review audience rules" not in text


def test_the_pending_notice_is_optional(client, postmortem):
    services.postmortem_save_draft(postmortem.incident, show_pending=False)
    text = client.get(postmortem.incident.get_absolute_url()).text
    assert "A postmortem is being written" not in text
    assert 'id="postmortem"' not in text


def test_no_postmortem_no_section(client, resolved):
    assert 'id="postmortem"' not in client.get(resolved.get_absolute_url()).text


def test_published_postmortem_reads_in_order_under_the_timeline(client, postmortem):
    with time_machine.travel(utc(2024, 3, 26, 2, 0), tick=False):  # March 25 in Pacific time
        services.postmortem_publish(postmortem)
    text = client.get(postmortem.incident.get_absolute_url()).text
    assert "A postmortem is being written" not in text
    assert "Published March 25, 2024" in text
    order = [
        "Timeline", "The banner is gone.", "Root cause analysis",
        "A <strong>missing check</strong> on payment status.", "Resolution",
        "We switched the banner off.", "Remediation items", "Review audience rules.",
        "Add alerts.", "Second review for changes.", "Further details", "For more information",
    ]  # fmt: skip
    positions = [text.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert "Owner: Ops team" in text and "Due June 30, 2024" in text
    items = text[text.index("Remediation items") : text.index("Further details")]
    assert [label for label in ("Done", "In progress", "Planned") if label in items] == [
        "Done", "In progress", "Planned"
    ]  # fmt: skip
    assert 'rel="noopener noreferrer nofollow"' in text


def test_reverting_takes_it_off_the_page(client, postmortem):
    services.postmortem_publish(postmortem)
    services.postmortem_revert(postmortem)
    text = client.get(postmortem.incident.get_absolute_url()).text
    assert "Root cause analysis" not in text
    assert "A postmortem is being written" in text


def test_postmortem_markdown_is_sanitized(client, resolved):
    draft = services.postmortem_save_draft(
        resolved, root_cause="<script>alert(1)</script> [x](javascript:alert(2))"
    )
    services.remediation_item_add(draft, description="<img src=x onerror=alert(3)>")
    services.postmortem_publish(draft)
    text = client.get(resolved.get_absolute_url()).text
    assert "<script>alert" not in text and "onerror" not in text and "javascript:" not in text
