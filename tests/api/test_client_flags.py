"""Every flag the generated Statuspage client sends is honoured and comes back as sent."""

from datetime import timedelta

import atlassian_statuspage as sp
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from incidents.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


@pytest.fixture
def incidents_api(client_for, manager_key):
    return sp.IncidentsApi(client_for(manager_key))


def _create(api, **fields):
    return api.post_pages_page_id_incidents(
        sp.PostPagesPageIdIncidents(incident=sp.PostPagesPageIdIncidentsIncident(**fields)),
        settings.STATUSPAGE_PAGE_ID,
    )


def test_metadata_and_tweet_settings_are_kept_and_the_impact_is_not_an_override(
    incidents_api, pods
):
    created = _create(
        incidents_api,
        name="Pod 13 errors",
        status="investigating",
        body="Some calls fail.",
        components={pods["Pod 13"].public_id: "partial_outage"},
        deliver_notifications=False,
        metadata={"jira": {"issue_id": "OPS-42"}},
        auto_tweet_at_beginning=True,
        auto_tweet_on_completion=False,
        auto_tweet_one_hour_before=True,
    )
    assert created.metadata == {"jira": {"issue_id": "OPS-42"}}
    assert created.impact == "major" and created.impact_override is None
    stored = Incident.objects.get(public_id=created.id)
    assert stored.tweet_settings == {
        "auto_tweet_at_beginning": True,
        "auto_tweet_on_completion": False,
        "auto_tweet_one_hour_before": True,
    }
    again = incidents_api.get_pages_page_id_incidents_incident_id(
        settings.STATUSPAGE_PAGE_ID, created.id
    )
    assert again.metadata == {"jira": {"issue_id": "OPS-42"}}


def test_a_maintenance_started_quietly_tells_nobody_at_the_start(incidents_api, pods):
    start = timezone.now() + timedelta(hours=2)
    created = _create(
        incidents_api,
        name="Pod 17 upgrade",
        status="scheduled",
        body="We will upgrade Pod 17.",
        scheduled_for=start.isoformat(),
        scheduled_until=(start + timedelta(hours=1)).isoformat(),
        component_ids=[pods["Pod 17"].public_id],
        auto_transition_to_maintenance_state=True,
        auto_transition_deliver_notifications_at_start=False,
        auto_transition_deliver_notifications_at_end=True,
    )
    assert created.auto_transition_deliver_notifications_at_start is False
    assert created.auto_transition_deliver_notifications_at_end is True
    maintenance = Incident.objects.get(public_id=created.id)
    recorded = Notification.objects.filter(incident=maintenance).count()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        services.maintenance_run_due()
    maintenance.refresh_from_db()
    assert maintenance.status == "in_progress"
    assert Notification.objects.filter(incident=maintenance).count() == recorded
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        services.maintenance_run_due()
    assert Notification.objects.filter(incident=maintenance, kind="maintenance_completed").exists()
