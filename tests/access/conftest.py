"""A small site with one object of every kind, and a way to say "nothing changed"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from incidents import services
from incidents.api.models import ApiKey
from incidents.audit.models import AuditLog
from incidents.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentTemplate,
    Postmortem,
)
from incidents.models.translations import Translation
from incidents.notifications.models import (
    Notification,
    NotificationState,
    Subscriber,
    SubscriberState,
)
from incidents.notifications.services import notification_record
from incidents.operations.backup import export_status
from incidents.pods.models import AccountPod
from incidents.pods.services import account_upsert


@dataclass
class World:
    group: ComponentGroup
    pod: Component
    other: Component
    incident: Incident
    resolved: Incident
    draft: Postmortem
    published: Postmortem
    maintenance: Incident
    template: IncidentTemplate
    subscriber: Subscriber
    to_confirm: Notification
    to_approve: Notification
    translation: Translation
    account: AccountPod


@pytest.fixture
def world(db) -> World:
    group = services.group_save(ComponentGroup(name="Pods"))
    pod = services.component_save(Component(group=group, name="Pod 13"))
    other = services.component_save(Component(group=group, name="Pod 14"))
    incident = services.incident_create(
        name="Pod 13 errors", body="Investigating.", components={pod: "partial_outage"}
    )
    resolved = services.incident_create(
        name="Old outage", body="Investigating.", components={other: "major_outage"}
    )
    services.incident_resolve(resolved, body="Fixed.")
    draft = services.postmortem_save_draft(resolved, root_cause="A full disk.")
    earlier = services.incident_create(name="Earlier", body="Investigating.", status="resolved")
    published = services.postmortem_publish(
        services.postmortem_save_draft(earlier, root_cause="DNS.")
    )
    start = timezone.now() + timedelta(days=2)
    maintenance = services.maintenance_schedule(
        name="Upgrade",
        body="We will upgrade.",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        components=[other],
    )
    template = services.incident_template_save(
        IncidentTemplate(name="Slow", title="Slowness", body="Things are slow.")
    )
    subscriber = Subscriber.objects.create(email="reader@example.com", state=SubscriberState.ACTIVE)
    to_confirm = Notification.objects.filter(
        incident=incident, state=NotificationState.AWAITING_CONFIRMATION
    ).first()
    to_approve = notification_record(kind="incident_updated", incident=incident)
    Notification.objects.filter(pk=to_approve.pk).update(
        state=NotificationState.AWAITING_APPROVAL, needs_approval=True
    )
    assert to_confirm is not None
    translation = services.translation_save(
        incident, field="name", language="it", text="Errori sul Pod 13"
    )
    account, _created = account_upsert("acme", pod)
    return World(group, pod, other, incident, resolved, draft, published, maintenance,
                 template, subscriber, to_confirm, to_approve, translation, account)  # fmt: skip


def snapshot() -> dict:
    """Everything a write could change: the full backup document plus keys and audit log."""
    document = export_status()
    document.pop("exported_at")
    return {
        "content": document,
        "statuses": sorted(Component.objects.values_list("public_id", "status")),
        "api_keys": sorted(ApiKey.objects.values_list("digest", "revoked_at")),
        "audit": AuditLog.objects.count(),
    }


@pytest.fixture
def root(db):
    """A superuser's client, to read forms as a browser would before someone posts them."""
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


class _FormReader(HTMLParser):
    """Collects the fields of the page's POST forms, with the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form = None
        self._select = None
        self._select_first = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = []
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.append((name, attrs.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image"):
                self._form.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self._selected = "multiple" in attrs
            self._chosen = False
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._form.append((self._select, value))
                self._chosen = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._chosen and not self._selected and self._select_first is not None:
                self._form.append((self._select, self._select_first))
            self._select = None


def form_data(client: Client, url: str, **overrides) -> dict:
    """The largest POST form on `url` as a browser would submit it, with `overrides`."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = _FormReader()
    reader.feed(response.text)
    fields = max(reader.forms, key=len)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data.pop("csrfmiddlewaretoken", None)
    for name, value in overrides.items():
        data[name] = value if isinstance(value, list) else [value]
    return data


__all__ = ["ComponentStatus", "World", "form_data", "snapshot"]
