"""Management and public API for scheduled maintenance, postmortems, templates and
subscribers: Statuspage's paths and bodies, our services underneath."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentTemplate
from incidents.notifications.models import Notification, Subscriber, SubscriberState


@pytest.fixture
def window():
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    return start, start + timedelta(hours=2)


def _schedule(call, v1, key, pods, window, **extra):
    start, end = window
    return call("POST", f"{v1}/incidents", key, {"incident": {
        "name": "Database upgrade", "status": "scheduled", "body": "Upgrading the database.",
        "scheduled_for": start.isoformat(), "scheduled_until": end.isoformat(),
        "component_ids": [pods["Pod 17"].public_id], "deliver_notifications": False, **extra,
    }})  # fmt: skip


def test_schedule_maintenance_and_read_it_publicly(call, v1, client, manager_key, pods, window):
    response = _schedule(call, v1, manager_key, pods, window)
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "scheduled" and data["impact"] == "maintenance"
    assert data["scheduled_for"] == window[0].strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert [c["name"] for c in data["components"]] == ["Pod 17"]
    upcoming = call("GET", f"{v1}/incidents/upcoming", manager_key).json()
    assert [m["id"] for m in upcoming] == [data["id"]]
    public = client.get("/api/v2/scheduled-maintenances/upcoming.json").json()
    assert [m["id"] for m in public["scheduled_maintenances"]] == [data["id"]]
    assert (
        client.get("/api/v2/summary.json").json()["scheduled_maintenances"][0]["id"] == data["id"]
    )
    assert (
        client.get("/api/v2/scheduled-maintenances/active.json").json()["scheduled_maintenances"]
        == []
    )
    # Maintenance is not an incident in the incident lists.
    assert client.get("/api/v2/incidents.json").json()["incidents"] == []


def test_start_and_complete_a_maintenance_through_patch(
    call, v1, client, manager_key, pods, window
):
    mid = _schedule(call, v1, manager_key, pods, window).json()["id"]
    started = call("PATCH", f"{v1}/incidents/{mid}", manager_key,
                   {"incident": {"status": "in_progress", "body": "Started early."}})  # fmt: skip
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    pods["Pod 17"].refresh_from_db()
    assert pods["Pod 17"].status == "under_maintenance"
    active = client.get("/api/v2/scheduled-maintenances/active.json").json()
    assert [m["id"] for m in active["scheduled_maintenances"]] == [mid]
    done = call("PATCH", f"{v1}/incidents/{mid}", manager_key,
                {"incident": {"status": "completed"}})  # fmt: skip
    assert done.json()["status"] == "completed"
    pods["Pod 17"].refresh_from_db()
    assert pods["Pod 17"].status == "operational"


def test_moving_a_window_and_bad_windows(call, v1, manager_key, pods, window):
    mid = _schedule(call, v1, manager_key, pods, window).json()["id"]
    later = window[0] + timedelta(days=1)
    until = later + timedelta(hours=1)
    moved = call("PATCH", f"{v1}/incidents/{mid}", manager_key, {"incident": {
        "scheduled_for": later.isoformat(), "scheduled_until": until.isoformat(),
    }})  # fmt: skip
    assert moved.status_code == 200
    assert moved.json()["scheduled_for"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    backwards = _schedule(call, v1, manager_key, pods, (window[1], window[0]))
    assert backwards.status_code == 422
    assert Incident.objects.maintenances().count() == 1


def test_support_key_cannot_schedule_maintenance(call, v1, support_key, pods, window):
    assert _schedule(call, v1, support_key, pods, window).status_code == 403
    assert not Incident.objects.exists()


def test_postmortem_draft_publish_revert(call, v1, manager_key, support_key, make_incident):
    incident = make_incident(name="Outage")
    services.incident_resolve(incident, body="Fixed.")
    base = f"{v1}/incidents/{incident.public_id}/postmortem"
    assert call("GET", base, manager_key).status_code == 404
    draft = call("PUT", base, support_key, {"postmortem": {
        "root_cause": "A config change skipped a check.", "body_draft": "More details.",
    }})  # fmt: skip
    assert draft.status_code == 200
    assert draft.json()["body"] is None and "skipped a check" in draft.json()["body_draft"]
    assert call("PUT", f"{base}/publish", support_key, {}).status_code == 403
    published = call("PUT", f"{base}/publish", manager_key, {"postmortem": {
        "notify_subscribers": True}})  # fmt: skip
    assert published.status_code == 200
    data = published.json()
    assert data["published_at"] and "## Root cause analysis" in data["body"]
    incident_data = call("GET", f"{v1}/incidents/{incident.public_id}", manager_key).json()
    assert incident_data["postmortem_published_at"] == data["published_at"]
    assert "More details." in incident_data["postmortem_body"]
    reverted = call("PUT", f"{base}/revert", manager_key)
    assert reverted.status_code == 200 and reverted.json()["published_at"] is None


def test_empty_postmortem_cannot_be_published(call, v1, manager_key, make_incident):
    incident = make_incident(name="Outage")
    services.incident_resolve(incident, body="Fixed.")
    base = f"{v1}/incidents/{incident.public_id}/postmortem"
    call("PUT", base, manager_key, {"postmortem": {"body_draft": ""}})
    response = call("PUT", f"{base}/publish", manager_key, {})
    assert response.status_code == 422 and "empty" in response.json()["error"]


def test_templates(call, v1, manager_key, pods):
    created = call("POST", f"{v1}/incident_templates", manager_key, {"template": {
        "name": "Pod slow", "title": "Slowness on a pod", "body": "We are looking into it.",
        "update_status": "investigating", "component_ids": [pods["Pod 13"].public_id],
    }})  # fmt: skip
    assert created.status_code == 201
    assert created.json()["components"][0]["name"] == "Pod 13"
    listed = call("GET", f"{v1}/incident_templates", manager_key).json()
    assert [t["name"] for t in listed] == ["Pod slow"]
    assert IncidentTemplate.objects.get().title == "Slowness on a pod"


def test_subscribers_double_opt_in_and_unsubscribe(call, v1, manager_key, pods, mailoutbox):
    created = call("POST", f"{v1}/subscribers", manager_key, {"subscriber": {
        "email": "Reader@Example.com", "component_ids": [pods["Pod 13"].public_id],
    }})  # fmt: skip
    assert created.status_code == 201
    data = created.json()
    assert data["email"] == "reader@example.com" and data["state"] == "pending"
    assert data["components"] == [pods["Pod 13"].public_id]
    # Statuspage lists the active ones unless asked for a state: this one is not confirmed yet.
    assert call("GET", f"{v1}/subscribers", manager_key).json() == []
    listed = call("GET", f"{v1}/subscribers?state=unconfirmed", manager_key).json()
    assert [s["id"] for s in listed] == [data["id"]]
    again = call("POST", f"{v1}/subscribers/{data['id']}/resend_confirmation", manager_key)
    assert again.status_code == 201
    gone = call("DELETE", f"{v1}/subscribers/{data['id']}", manager_key)
    assert gone.status_code == 200 and gone.json()["state"] == "unsubscribed"
    assert Subscriber.objects.get().state == SubscriberState.UNSUBSCRIBED


def test_sms_subscribers_are_refused(call, v1, manager_key, db):
    response = call("POST", f"{v1}/subscribers", manager_key,
                    {"subscriber": {"phone_number": "5551234", "phone_country": "US"}})  # fmt: skip
    assert response.status_code == 422
    assert not Subscriber.objects.exists()


def test_bulk_unsubscribe(call, v1, manager_key, db):
    ids = [
        Subscriber.objects.create(email=f"r{n}@example.com", state="active").public_id
        for n in range(3)
    ]
    response = call("POST", f"{v1}/subscribers/unsubscribe", manager_key,
                    {"subscribers": ",".join(ids[:2])})  # fmt: skip
    assert response.status_code == 202
    states = dict(Subscriber.objects.values_list("email", "state"))
    assert states == {"r0@example.com": "unsubscribed", "r1@example.com": "unsubscribed",
                      "r2@example.com": "active"}  # fmt: skip


def test_api_notifications_are_confirmed_by_the_key_user_within_the_guard(
    call, v1, manager_key, pods, settings
):
    Subscriber.objects.create(email="pod13@example.com", state="active").components.set(
        [pods["Pod 13"]]
    )
    response = call("POST", f"{v1}/incidents", manager_key, {"incident": {
        "name": "Pod 13 errors", "body": "Looking.", "deliver_notifications": True,
        "components": {pods["Pod 13"].public_id: "partial_outage"},
    }})  # fmt: skip
    assert response.status_code == 201
    notification = Notification.objects.get()
    assert notification.confirmed_by.username == "manager"
    assert notification.state in {"queued", "sending", "sent"}
    # A send the guard holds waits for approval, through the API as in the admin.
    settings.NOTIFY_APPROVAL_THRESHOLD = 1
    Subscriber.objects.create(email="all@example.com", state="active")
    call("PATCH", f"{v1}/incidents/{response.json()['id']}", manager_key,
         {"incident": {"status": "identified", "body": "Found it."}})  # fmt: skip
    latest = Notification.objects.order_by("-pk").first()
    assert latest.state == "awaiting_approval"
    assert not mail.outbox or all("Found it." not in m.body for m in mail.outbox)


def test_webhook_subscriber_through_the_api(call, v1, manager_key, pods, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = settings.WEBHOOK_ALLOW_HTTP = True
    response = call("POST", f"{v1}/subscribers", manager_key, {"subscriber": {
        "endpoint": "http://127.0.0.1:9/hooks", "component_ids": [pods["Pod 13"].public_id],
    }})  # fmt: skip
    assert response.status_code == 201
    data = response.json()
    assert data["mode"] == "webhook" and data["email"] is None
    assert len(data["webhook_secret"]) >= 32
    fetched = call("GET", f"{v1}/subscribers/{data['id']}", manager_key).json()
    assert "webhook_secret" not in fetched  # shown once, at creation
    both = {"subscriber": {"email": "a@example.com", "endpoint": "https://x.example/h"}}
    both = call("POST", f"{v1}/subscribers", manager_key, both)
    assert both.status_code == 422
