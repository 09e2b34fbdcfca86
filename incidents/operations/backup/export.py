"""The export: the whole status page as one JSON document (see the package)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone

from incidents.metrics.models import Metric, MetricBucket, MetricPoint, MetricProvider
from incidents.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    Postmortem,
)
from incidents.models.translations import Translation
from incidents.monitoring.models import Integration
from incidents.notifications.models import Notification, Subscriber
from incidents.pods.models import AccountPod

from .fields import (
    ACCOUNT_FIELDS,
    BUCKET_COLUMNS,
    COMPONENT_FIELDS,
    FORMAT,
    GROUP_FIELDS,
    INCIDENT_FIELDS,
    INTEGRATION_FIELDS,
    METRIC_FIELDS,
    NOTIFICATION_FIELDS,
    PAGE_FIELDS,
    POSTMORTEM_FIELDS,
    PROVIDER_FIELDS,
    REMEDIATION_FIELDS,
    SUBSCRIBER_FIELDS,
    TEMPLATE_FIELDS,
    TRANSLATION_FIELDS,
    UPDATE_FIELDS,
    VERSION,
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _plain(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in fields}


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def export_status() -> dict[str, Any]:
    """The whole status page as a JSON-serializable dict (see the module docstring)."""
    groups = [_plain(g, GROUP_FIELDS) for g in ComponentGroup.objects.order_by("pk")]
    components = [
        {**_plain(c, COMPONENT_FIELDS), "group": c.group.public_id if c.group_id else None}
        for c in Component.objects.select_related("group").order_by("pk")
    ]
    incidents = []
    queryset = Incident.with_drafts.order_by("pk").prefetch_related(
        "affected__component",
        "updates__author",
        "updates__component_changes__component",
    )
    for incident in queryset:
        postmortem = Postmortem.objects.filter(incident=incident).first()
        incidents.append(
            {
                **_plain(incident, INCIDENT_FIELDS),
                "affected": [
                    {"component": row.component.public_id, "status": row.status}
                    for row in incident.affected.all()
                ],
                "updates": [
                    {
                        **_plain(update, UPDATE_FIELDS),
                        "author": _username(update.author),
                        "component_changes": [
                            {
                                "component": change.component.public_id,
                                "old_status": change.old_status,
                                "new_status": change.new_status,
                            }
                            for change in update.component_changes.all()
                        ],
                    }
                    for update in incident.updates.all()
                ],
                "postmortem": _export_postmortem(postmortem) if postmortem else None,
            }
        )
    template_rows = list(IncidentTemplate.objects.order_by("pk"))
    templates = [
        {
            **_plain(t, TEMPLATE_FIELDS),
            "components": sorted(t.components.values_list("public_id", flat=True)),
        }
        for t in template_rows
    ]
    # Templates have no public id: an integration names its own by place in that list.
    template_places = {t.pk: n for n, t in enumerate(template_rows)}
    integrations = [
        {**_plain(i, INTEGRATION_FIELDS), "template": template_places.get(i.template_id)}
        for i in Integration.objects.order_by("pk")
    ]
    subscribers = [
        {
            **_plain(s, SUBSCRIBER_FIELDS),
            "components": sorted(c.public_id for c in s.components.all()),
            "incidents": sorted(i.public_id for i in s.incidents.all()),
        }
        for s in Subscriber.objects.order_by("pk").prefetch_related("components", "incidents")
    ]
    notifications = [
        {
            **_plain(n, NOTIFICATION_FIELDS),
            "incident": n.incident.public_id if n.incident_id else None,
            "update": n.update.public_id if n.update_id else None,
            "components": sorted(c.public_id for c in n.components.all()),
        }
        for n in Notification.objects.order_by("pk")
        .select_related("incident", "update")
        .prefetch_related("components")
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        # The page's settings, when staff changed them (null: the environment's defaults).
        "page": _plain(page, PAGE_FIELDS) if (page := Page.objects.filter(pk=1).first()) else None,
        "component_groups": groups,
        "components": components,
        "incidents": incidents,
        "incident_templates": templates,
        "subscribers": subscribers,
        "notifications": notifications,
        "translations": [_export_translation(t) for t in _translations()],
        "accounts": [
            {**_plain(a, ACCOUNT_FIELDS), "pod": a.pod.public_id}
            for a in AccountPod.objects.select_related("pod").order_by("pk")
        ],
        "integrations": integrations,
        "metric_providers": [_export_provider(p) for p in MetricProvider.objects.order_by("pk")],
    }


def _export_provider(provider: MetricProvider) -> dict[str, Any]:
    metrics = Metric.objects.filter(provider=provider).order_by("pk").prefetch_related("components")
    return {
        **_plain(provider, PROVIDER_FIELDS),
        "metrics": [
            {
                **_plain(m, METRIC_FIELDS),
                "components": sorted(c.public_id for c in m.components.all()),
                "points": [
                    list(row)
                    for row in MetricPoint.objects.filter(metric=m)
                    .order_by("at")
                    .values_list("at", "value")
                ],
                "buckets": [
                    list(row)
                    for row in MetricBucket.objects.filter(metric=m)
                    .order_by("width", "start")
                    .values_list(*BUCKET_COLUMNS)
                ],
            }
            for m in metrics
        ],
    }


def _translations():
    return Translation.objects.order_by("pk").select_related(
        "incident", "reviewed_by", "content_type"
    )


def _translated_object(translation: Translation) -> dict[str, Any]:
    """Which text a translation belongs to, by public references (pks change on restore).
    An incident's texts are told apart within their incident; a component's or a group's
    (which belong to no incident) by their own public id."""
    target = translation.content_object
    if isinstance(target, Component):
        return {"type": "component", "id": target.public_id}
    if isinstance(target, ComponentGroup):
        return {"type": "component_group", "id": target.public_id}
    if isinstance(target, Incident):
        return {"type": "incident"}
    if isinstance(target, IncidentUpdate):
        return {"type": "update", "id": target.public_id}
    if isinstance(target, Postmortem):
        return {"type": "postmortem"}
    return {"type": "remediation_item", "position": target.position}


def _export_translation(translation: Translation) -> dict[str, Any]:
    return {
        **_plain(translation, TRANSLATION_FIELDS),
        "incident": translation.incident.public_id if translation.incident_id else None,
        "object": _translated_object(translation),
        "reviewed_by": _username(translation.reviewed_by),
    }


def _export_postmortem(postmortem: Postmortem) -> dict[str, Any]:
    return {
        **_plain(postmortem, POSTMORTEM_FIELDS),
        "published_by": _username(postmortem.published_by),
        "remediation_items": [
            _plain(item, REMEDIATION_FIELDS) for item in postmortem.remediation_items.all()
        ],
    }


# Import
