"""A promised update is kept: an update may say when the next one is due; readers see it on
the incident page while the incident is open, and staff are reminded once when it is late."""

import json
from datetime import timedelta

import atlassian_statuspage as sp
import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ComponentStatus, Incident
from incidents.reminders import overdue_updates
from incidents.tasks import remind_overdue_updates
from statuspage.celery import app
from tests.api import conftest as api_fixtures
from tests.conftest import utc

# The management API's fixtures: a manager's key, JSON requests, the generated client.
v1 = api_fixtures.v1
call = api_fixtures.call
client_for = api_fixtures.client_for

POSTED = utc(2024, 3, 20, 20, 58)  # 13:58 PT (daylight time)
PROMISE = "21:28 UTC | 14:28 PT"


def page(client, incident, lang=""):
    prefix = f"/{lang}" if lang else ""
    response = client.get(f"{prefix}/incidents/{incident.public_id}/")
    assert response.status_code == 200
    return response.text


@pytest.fixture
def posted(make_incident):
    """An incident whose first update, at 20:58 UTC, promises the next within 30 minutes."""
    with time_machine.travel(POSTED, tick=False):
        return make_incident(name="Pod 13 slow", next_update_in=30)


# The public pages


def test_the_incident_page_tells_when_the_next_update_is_due(client, posted):
    assert f"Next update by {PROMISE}" in page(client, posted)
    assert f"Prossimo aggiornamento entro le {PROMISE}" in page(client, posted, "it")


def test_the_promise_is_gone_once_resolved(client, posted):
    with time_machine.travel(POSTED + timedelta(minutes=20), tick=False):
        services.incident_resolve(posted, body="Fixed.")
    english, italian = page(client, posted), page(client, posted, "it")
    assert "Next update by" not in english and PROMISE not in english
    assert "Prossimo aggiornamento" not in italian


def test_only_the_latest_update_promises(client, posted):
    with time_machine.travel(POSTED + timedelta(minutes=10), tick=False):
        services.update_post(posted, status="identified", body="Found it.", next_update_in=None)
    assert "Next update by" not in page(client, posted)
    with time_machine.travel(POSTED + timedelta(minutes=20), tick=False):
        services.update_post(posted, status="monitoring", body="Fix deployed.", next_update_in=60)
    text = page(client, posted)
    assert "Next update by 22:18 UTC | 15:18 PT" in text
    assert PROMISE not in text


def test_a_promise_past_midnight_pacific_carries_its_date(client, make_incident):
    with time_machine.travel(utc(2024, 3, 21, 6, 30), tick=False):  # 23:30 PT on March 20
        incident = make_incident(next_update_in=60)
    assert "Next update by March 21 - 07:30 UTC | 00:30 PT" in page(client, incident)


def test_the_reminder_interval_is_the_default_promise(client, make_incident):
    with time_machine.travel(POSTED, tick=False):
        incident = make_incident(reminder_interval=60)
    assert "Next update by 21:58 UTC | 14:58 PT" in page(client, incident)
    with time_machine.travel(POSTED + timedelta(minutes=30), tick=False):
        update = services.update_post(incident, status="identified", body="Found it.")
    assert update.next_update_in == 60
    assert "Next update by 22:28 UTC | 15:28 PT" in page(client, incident)
    with time_machine.travel(POSTED + timedelta(minutes=40), tick=False):
        services.update_post(
            incident, status="identified", body="Still on it.", next_update_in=None
        )
    assert "Next update by" not in page(client, incident)


# Validation


@pytest.mark.parametrize("minutes", [0, 45, 1440, -30, True, "30"])
def test_only_the_offered_intervals_are_taken(make_incident, minutes):
    with pytest.raises(ValidationError) as refused:
        make_incident(next_update_in=minutes)
    assert "next_update_in" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        make_incident(reminder_interval=minutes)
    assert "reminder_interval" in refused.value.message_dict
    assert not Incident.objects.exists()


def test_an_update_with_an_unoffered_interval_changes_nothing(posted):
    with pytest.raises(ValidationError) as refused:
        services.update_post(posted, status="identified", body="Found it.", next_update_in=20)
    assert "next_update_in" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.incident_edit(posted, reminder_interval=90)
    assert posted.updates.count() == 1
    posted.refresh_from_db()
    assert posted.status == "investigating" and posted.reminder_interval is None


def test_a_resolved_incident_promises_nothing(make_incident, posted):
    with pytest.raises(ValidationError) as refused:
        services.incident_resolve(posted, body="Fixed.", next_update_in=30)
    assert "next_update_in" in refused.value.message_dict
    posted.refresh_from_db()
    assert posted.is_open
    with pytest.raises(ValidationError):
        make_incident(name="Backfilled", status="resolved", next_update_in=30)
    # A default interval does not make the resolving update promise anything.
    services.incident_edit(posted, reminder_interval=60)
    update = services.incident_resolve(posted, body="Fixed.")
    assert update.next_update_in is None and update.next_update_by is None


# Reminders to staff


@pytest.fixture
def staff(support_user, manager_user):
    support_user.email = "support@example.com"
    support_user.save()
    manager_user.email = "manager@example.com"
    manager_user.save()
    return support_user, manager_user


def tick(at):
    with time_machine.travel(at, tick=False):
        return remind_overdue_updates()


def test_beat_runs_the_reminders_every_minute():
    entry = app.conf.beat_schedule["overdue-updates"]
    assert entry["task"] == remind_overdue_updates.name
    assert entry["schedule"] <= 60


def test_a_late_update_reminds_the_poster_and_the_managers_once(make_incident, staff, mailoutbox):
    support_user, _manager = staff
    with time_machine.travel(POSTED, tick=False):
        incident = make_incident(name="Pod 13 slow", next_update_in=30, actor=support_user)
    assert tick(POSTED + timedelta(minutes=29)) == []
    assert mailoutbox == []
    assert incident.public_id not in [i.public_id for i in overdue_updates(POSTED)]

    assert tick(POSTED + timedelta(minutes=31)) == [incident.public_id]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["manager@example.com", "support@example.com"]
    assert "Pod 13 slow" in mail.subject
    assert f"promised by March 20 - {PROMISE}" in mail.body
    assert f"/admin/incidents/incident/{incident.pk}/change/" in mail.body
    # The admin sees it as overdue, reminded.
    [overdue] = overdue_updates(POSTED + timedelta(minutes=31))
    assert overdue.pk == incident.pk and overdue.reminded_at is not None

    assert tick(POSTED + timedelta(minutes=32)) == []
    assert tick(POSTED + timedelta(hours=3)) == []
    assert len(mailoutbox) == 1


def test_a_newer_update_keeps_the_reminder_away(posted, staff, mailoutbox):
    with time_machine.travel(POSTED + timedelta(minutes=25), tick=False):
        services.update_post(posted, status="identified", body="Found it.", next_update_in=None)
    assert tick(POSTED + timedelta(minutes=31)) == []
    assert list(overdue_updates(POSTED + timedelta(minutes=31))) == []
    assert mailoutbox == []


def test_a_new_promise_is_reminded_afresh(posted, staff, mailoutbox):
    support_user, _manager = staff
    tick(POSTED + timedelta(minutes=31))
    assert len(mailoutbox) == 1  # the managers: nobody posted the first update as a person
    assert mailoutbox[0].to == ["manager@example.com"]
    with time_machine.travel(POSTED + timedelta(minutes=35), tick=False):
        services.update_post(
            posted, status="identified", body="Found it.", next_update_in=15, actor=support_user
        )
    assert tick(POSTED + timedelta(minutes=45)) == []
    assert tick(POSTED + timedelta(minutes=51)) == [posted.public_id]
    assert len(mailoutbox) == 2
    assert sorted(mailoutbox[1].to) == ["manager@example.com", "support@example.com"]


def test_a_resolved_incident_is_never_reminded(posted, staff, mailoutbox):
    with time_machine.travel(POSTED + timedelta(minutes=10), tick=False):
        services.incident_resolve(posted, body="Fixed.")
    assert tick(POSTED + timedelta(hours=1)) == []
    assert list(overdue_updates(POSTED + timedelta(hours=1))) == []
    assert mailoutbox == []


# The management API


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_reminder_intervals_round_trip_through_the_generated_client(client_for, manager_key, pods):
    api = sp.IncidentsApi(client_for(manager_key))
    page_id = settings.STATUSPAGE_PAGE_ID

    def answer(response):
        assert response.status in (200, 201), response.data
        return json.loads(response.data)

    # The generated client has no such field: it is sent and read as Statuspage's JSON.
    created = answer(
        api.post_pages_page_id_incidents(
            {"incident": {"name": "Pod 13 slow", "status": "investigating", "body": "Looking.",
                          "components": {pods["Pod 13"].public_id: "partial_outage"},
                          "reminder_intervals": "[2]"}},
            page_id,
            _preload_content=False,
        )
    )  # fmt: skip
    assert created["reminder_intervals"] == "[2]"
    incident = Incident.objects.get(public_id=created["id"])
    assert incident.reminder_interval == 120
    assert incident.updates.get().next_update_in == 120

    patched = answer(
        api.patch_pages_page_id_incidents_incident_id(
            {"incident": {"reminder_intervals": "[0.5]"}}, page_id, created["id"],
            _preload_content=False,
        )
    )  # fmt: skip
    assert patched["reminder_intervals"] == "[0.5]"
    again = answer(
        api.get_pages_page_id_incidents_incident_id(page_id, created["id"], _preload_content=False)
    )
    assert again["reminder_intervals"] == "[0.5]"
    # The next update posted through the API promises the new interval.
    api.patch_pages_page_id_incidents_incident_id(
        sp.PatchPagesPageIdIncidents(
            incident=sp.PatchPagesPageIdIncidentsIncident(status="identified", body="Found it.")
        ),
        page_id,
        created["id"],
    )
    assert incident.updates.order_by("-display_at", "-pk").first().next_update_in == 30

    cleared = answer(
        api.patch_pages_page_id_incidents_incident_id(
            {"incident": {"reminder_intervals": "[]"}}, page_id, created["id"],
            _preload_content=False,
        )
    )  # fmt: skip
    assert cleared["reminder_intervals"] is None

    plain = api.post_pages_page_id_incidents(
        sp.PostPagesPageIdIncidents(
            incident=sp.PostPagesPageIdIncidentsIncident(name="Quiet", body="Looking.")
        ),
        page_id,
        _preload_content=False,
    )
    assert json.loads(plain.data)["reminder_intervals"] is None


@pytest.mark.parametrize("value", ['"[3, 6, 12, 24]"', '"[1.5]"', '"two hours"', '"[true]"', "2"])
def test_unsupported_reminder_intervals_are_refused(call, v1, manager_key, make_incident, value):
    incident = make_incident()
    body = json.loads(f'{{"incident": {{"reminder_intervals": {value}}}}}')
    response = call("PATCH", f"{v1}/incidents/{incident.public_id}", manager_key, body)
    assert response.status_code == 422, response.content
    assert "reminder_intervals" in response.json()["error"]
    body["incident"].update(name="New", body="Looking.")
    response = call("POST", f"{v1}/incidents", manager_key, body)
    assert response.status_code == 422
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.reminder_interval is None


def test_a_maintenance_takes_no_reminder_intervals(call, v1, manager_key, pods):
    start = utc(2030, 1, 1, 10)
    fields = {
        "name": "Upgrade",
        "status": "scheduled",
        "body": "We will upgrade.",
        "scheduled_for": start.isoformat(),
        "scheduled_until": (start + timedelta(hours=1)).isoformat(),
        "reminder_intervals": "[1]",
    }
    response = call("POST", f"{v1}/incidents", manager_key, {"incident": fields})
    assert response.status_code == 422
    assert not Incident.objects.exists()


def test_the_admin_state_lists_overdue_incidents_most_overdue_first(make_incident, pods):
    with time_machine.travel(POSTED, tick=False):
        later = make_incident(name="Later", next_update_in=60)
        sooner = make_incident(
            name="Sooner",
            components={pods["Pod 14"]: ComponentStatus.DEGRADED_PERFORMANCE},
            next_update_in=15,
        )
        make_incident(name="No promise", components={})
    at = POSTED + timedelta(minutes=61)
    assert [i.name for i in overdue_updates(at)] == ["Sooner", "Later"]
    assert [i.promised_by for i in overdue_updates(at)] == [
        POSTED + timedelta(minutes=15),
        POSTED + timedelta(minutes=60),
    ]
    assert [i.pk for i in overdue_updates(POSTED + timedelta(minutes=30))] == [sooner.pk]
    assert later.pk in [i.pk for i in overdue_updates(at)]


def test_the_active_incident_card_tells_when_the_next_update_is_due(client, posted):
    assert f"Next update by {PROMISE}" in client.get("/").text
    assert f"Prossimo aggiornamento entro le {PROMISE}" in client.get("/it/").text


def test_every_admin_page_warns_staff_of_an_overdue_promise(support_client, client, posted):
    with time_machine.travel(POSTED + timedelta(minutes=20), tick=False):
        assert "Promised updates overdue" not in support_client.get("/admin/").text
    with time_machine.travel(POSTED + timedelta(minutes=45), tick=False):
        text = support_client.get("/admin/incidents/postmortem/").text
        assert "Promised updates overdue" in text
        assert f"the next update was promised by March 20 - {PROMISE}." in text
        assert f"/admin/incidents/incident/{posted.pk}/change/#post-update" in text
        assert "Promised updates overdue" not in client.get("/").text
