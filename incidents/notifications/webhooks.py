"""Webhook payloads (Statuspage's subscriber webhooks) and their signature.

A notification becomes one or more events for a webhook subscriber: the incident (always),
then one component update per component status change its update made, for the components
the subscriber follows (all when they follow none). Each event is one POST:

    POST <endpoint>
    Content-Type: application/json
    User-Agent: Statuspage-Webhook/1 (+SITE_URL)
    X-Statuspage-Event: incident_created | incident_updated | ... | component_update
    X-Statuspage-Delivery: <id>      the same on every retry of this event
    X-Statuspage-Timestamp: <unix seconds of this attempt>
    X-Statuspage-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

The signed string is the timestamp header's value, a full stop, and the raw body bytes, so a
receiver can refuse a replayed request by its age without trusting an unsigned header. The POST
itself is `transports.webhook.post`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings

from incidents import selectors
from incidents import statuspage_json as serializers
from incidents.indicators import overall_status
from incidents.models import Incident, UpdateComponentChange

from .emails import site_url, subscriber_links
from .models import Notification, Subscriber

SIGNATURE_HEADER = "X-Statuspage-Signature"
TIMESTAMP_HEADER = "X-Statuspage-Timestamp"
EVENT_HEADER = "X-Statuspage-Event"
DELIVERY_HEADER = "X-Statuspage-Delivery"
COMPONENT_EVENT = "component_update"


@dataclass(frozen=True)
class Event:
    kind: str
    payload: dict  # without "meta", which is the subscriber's own
    component_id: int | None = None  # for component events: whose followers get it


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _page() -> dict:
    components = selectors.api_components()
    unresolved = selectors.api_incidents(Incident.objects.open())
    status = serializers.status(overall_status(components, unresolved))
    return {
        "id": settings.STATUSPAGE_PAGE_ID,
        "status_indicator": status["indicator"],
        "status_description": status["description"],
    }


def events_for(notification: Notification) -> list[Event]:
    """Every event of a notification, built once for all its webhook subscribers."""
    incident = notification.incident
    if incident is None:
        return []
    incident = selectors.api_incidents(Incident.objects.filter(pk=incident.pk))[0]
    page = _page()
    body = {
        **serializers.incident(incident),
        "backfilled": incident.backfilled,
        "scheduled_for": serializers.timestamp(incident.scheduled_for),
        "scheduled_until": serializers.timestamp(incident.scheduled_until),
    }
    events = [Event(notification.kind, {"page": page, "incident": body})]
    if notification.update_id:
        changes = (
            UpdateComponentChange.objects.filter(update_id=notification.update_id)
            .select_related("component__group", "update")
            .order_by("pk")
        )
        for change in changes:
            events.append(
                Event(
                    COMPONENT_EVENT,
                    {
                        "page": page,
                        "component_update": {
                            "created_at": serializers.timestamp(change.update.created_at),
                            "new_status": change.new_status,
                            "old_status": change.old_status,
                            "id": f"{change.update.public_id}{change.pk}",
                            "component_id": change.component.public_id,
                        },
                        # The component as this change left it.
                        "component": {
                            **serializers.component(change.component),
                            "status": change.new_status,
                        },
                    },
                    component_id=change.component_id,
                )
            )
    return events


def events_for_subscriber(events: list[Event], followed: set[int]) -> list[Event]:
    """The incident event, and the component events of the components followed (none = all)."""
    return [
        e for e in events if e.component_id is None or not followed or e.component_id in followed
    ]


def body_for(event: Event, subscriber: Subscriber) -> bytes:
    _manage, unsubscribe = subscriber_links(subscriber)
    meta = {
        "unsubscribe": unsubscribe,
        "documentation": settings.WEBHOOK_DOCUMENTATION_URL or site_url("/"),
    }
    return json.dumps({"meta": meta, **event.payload}, ensure_ascii=False).encode()
