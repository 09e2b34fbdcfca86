"""The all-or-nothing restore of an exported document (see the package)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from incidents.events import Event, emit
from incidents.metrics.models import (
    BucketWidth,
    Metric,
    MetricBucket,
    MetricPoint,
    MetricProvider,
)
from incidents.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentComponent,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    Postmortem,
    RemediationItem,
    UpdateComponentChange,
)
from incidents.models.translations import TRANSLATABLE_FIELDS, Translation
from incidents.monitoring.models import Integration
from incidents.notifications.models import Notification, NotificationState, Subscriber
from incidents.pods.models import AccountPod
from incidents.services.page import page_check

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
    RESTORED_AS_STOPPED,
    SUBSCRIBER_FIELDS,
    TEMPLATE_FIELDS,
    TIMESTAMPS,
    TRANSLATION_FIELDS,
    UPDATE_FIELDS,
    VERSION,
)


def is_empty() -> bool:
    """Whether the site has no status content and no subscribers (a restore's target)."""
    return not (
        ComponentGroup.objects.exists()
        or Component.objects.exists()
        or Incident.with_drafts.exists()
        or IncidentTemplate.objects.exists()
        or Subscriber.objects.exists()
        or AccountPod.objects.exists()
        or Integration.objects.exists()
        or MetricProvider.objects.exists()
    )


def _wipe() -> None:
    Page.objects.all().delete()
    Integration.objects.all().delete()  # with its alert states and pending changes
    MetricProvider.objects.all().delete()  # with its metrics and their data
    AccountPod.objects.all().delete()
    Notification.objects.all().delete()
    Subscriber.objects.all().delete()
    IncidentTemplate.objects.all().delete()
    Incident.with_drafts.all().delete()  # drafts too: they name components wiped below
    Component.objects.all().delete()
    ComponentGroup.objects.all().delete()


class _Reader:
    """Turns the document's plain values into model values, naming the place of any error."""

    def __init__(self) -> None:
        self.users = {u.get_username(): u for u in get_user_model().objects.all()}

    @staticmethod
    def items(data: dict, key: str, where: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ValidationError(f"{where}{key}: expected a list of objects.")
        return value

    @staticmethod
    def fields(
        model: type[models.Model], data: dict, fields: tuple[str, ...], nested: set[str], where
    ) -> dict[str, Any]:
        unknown = set(data) - set(fields) - nested
        if unknown:
            raise ValidationError(f"{where}: unknown keys {', '.join(sorted(unknown))}.")
        missing = set(fields) - set(data)
        if missing:
            raise ValidationError(f"{where}: missing keys {', '.join(sorted(missing))}.")
        values = {}
        for name in fields:
            field = model._meta.get_field(name)
            raw = data[name]
            if raw is None and not field.null:
                raise ValidationError(f"{where}.{name}: may not be empty.")
            try:
                values[name] = None if raw is None else field.to_python(raw)
            except ValidationError as error:
                raise ValidationError(f"{where}.{name}: {' '.join(error.messages)}") from None
            value = values[name]
            if isinstance(value, datetime) and timezone.is_naive(value):
                raise ValidationError(f"{where}.{name}: a time needs its UTC offset.")
        return values

    def user(self, username: str | None):
        return self.users.get(username) if username else None


def _lookup(index: dict[str, models.Model], key: Any, where: str) -> models.Model:
    if key not in index:
        raise ValidationError(f"{where}: unknown id {key!r}.")
    return index[key]


def _lookups(index: dict[str, models.Model], item: dict, name: str, where: str) -> list:
    """The objects an item's list `name` refers to by id (none when absent)."""
    return [_lookup(index, key, where) for key in item.get(name) or []]


def _save(obj: models.Model, where: str, exclude: list[str] | None = None) -> models.Model:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(f"{where}: {' '.join(error.messages)}") from None
    stamps = {name: getattr(obj, name) for name in TIMESTAMPS if hasattr(obj, name)}
    if isinstance(obj, Notification):
        stamps = {"created_at": obj.created_at}
    obj.save()
    # auto_now / auto_now_add set "now" on save; put back the recorded times.
    if stamps:
        type(obj)._base_manager.filter(pk=obj.pk).update(**stamps)
        for name, value in stamps.items():
            setattr(obj, name, value)
    return obj


@transaction.atomic
def import_status(data: Any, *, replace: bool = False) -> dict[str, int]:
    """Restores a document made by `export_status`; returns how many objects of each kind.

    Refused (ValidationError, nothing changed) when the site already has content, unless
    `replace` is given, which deletes the current content in the same transaction first.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(f"Not a {FORMAT} document.")
    if data.get("version") != VERSION:
        raise ValidationError(f"Unsupported version {data.get('version')!r}; expected {VERSION}.")
    if not is_empty():
        if not replace:
            raise ValidationError("The site already has content; restore into an empty one.")
        _wipe()
    read = _Reader()
    counts = dict.fromkeys(
        ["component_groups", "components", "incidents", "updates", "postmortems",
         "incident_templates", "subscribers", "notifications", "translations", "accounts",
         "integrations", "metric_providers", "metrics", "metric_points"], 0,
    )  # fmt: skip

    if data.get("page") is not None:
        if not isinstance(data["page"], dict):
            raise ValidationError("page: expected an object.")
        page = Page(pk=1, **read.fields(Page, data["page"], PAGE_FIELDS, set(), "page"))
        Page.objects.filter(pk=1).delete()  # the backup's settings replace the site's
        try:
            page_check(page)
        except ValidationError as error:
            raise ValidationError(f"page: {' '.join(error.messages)}") from None
        _save(page, "page")
    Page.forget()
    transaction.on_commit(Page.forget)

    groups: dict[str, ComponentGroup] = {}
    for n, item in enumerate(read.items(data, "component_groups", "")):
        where = f"component_groups[{n}]"
        group = ComponentGroup(**read.fields(ComponentGroup, item, GROUP_FIELDS, set(), where))
        groups[group.public_id] = _save(group, where)
    counts["component_groups"] = len(groups)

    components: dict[str, Component] = {}
    for n, item in enumerate(read.items(data, "components", "")):
        where = f"components[{n}]"
        component = Component(
            **read.fields(Component, item, COMPONENT_FIELDS, {"group"}, where),
            group=_lookup(groups, item["group"], where + ".group") if item.get("group") else None,
        )
        components[component.public_id] = _save(component, where)
    counts["components"] = len(components)

    incidents: dict[str, Incident] = {}
    updates: dict[str, IncidentUpdate] = {}
    nested = {"affected", "updates", "postmortem"}
    for n, item in enumerate(read.items(data, "incidents", "")):
        where = f"incidents[{n}]"
        incident = _save(
            Incident(**read.fields(Incident, item, INCIDENT_FIELDS, nested, where)), where
        )
        incidents[incident.public_id] = incident
        for m, row in enumerate(read.items(item, "affected", where + ".")):
            at = f"{where}.affected[{m}]"
            _save(
                IncidentComponent(
                    incident=incident,
                    component=_lookup(components, row.get("component"), at),
                    status=row.get("status"),
                ),
                at,
            )
        for m, row in enumerate(read.items(item, "updates", where + ".")):
            at = f"{where}.updates[{m}]"
            update = IncidentUpdate(
                incident=incident,
                author=read.user(row.get("author")),
                **read.fields(
                    IncidentUpdate, row, UPDATE_FIELDS, {"author", "component_changes"}, at
                ),
            )
            updates[update.public_id] = _save(update, at)
            for k, change in enumerate(read.items(row, "component_changes", at + ".")):
                here = f"{at}.component_changes[{k}]"
                _save(
                    UpdateComponentChange(
                        update=update,
                        component=_lookup(components, change.get("component"), here),
                        old_status=change.get("old_status"),
                        new_status=change.get("new_status"),
                    ),
                    here,
                )
        if item.get("postmortem") is not None:
            _import_postmortem(read, incident, item["postmortem"], where + ".postmortem")
            counts["postmortems"] += 1
    counts["incidents"], counts["updates"] = len(incidents), len(updates)

    templates: list[IncidentTemplate] = []
    for n, item in enumerate(read.items(data, "incident_templates", "")):
        where = f"incident_templates[{n}]"
        template = _save(
            IncidentTemplate(
                **read.fields(IncidentTemplate, item, TEMPLATE_FIELDS, {"components"}, where)
            ),
            where,
        )
        template.components.set(_lookups(components, item, "components", where))
        templates.append(template)
        counts["incident_templates"] += 1

    for n, item in enumerate(read.items(data, "subscribers", "")):
        where = f"subscribers[{n}]"
        subscriber = _save(
            Subscriber(
                **read.fields(
                    Subscriber, item, SUBSCRIBER_FIELDS, {"components", "incidents"}, where
                )
            ),
            where,
        )
        subscriber.components.set(_lookups(components, item, "components", where))
        subscriber.incidents.set(_lookups(incidents, item, "incidents", where))
        counts["subscribers"] += 1

    for n, item in enumerate(read.items(data, "notifications", "")):
        where = f"notifications[{n}]"
        values = read.fields(
            Notification, item, NOTIFICATION_FIELDS, {"incident", "update", "components"}, where
        )
        if values["state"] in RESTORED_AS_STOPPED:
            values["state"] = NotificationState.STOPPED
        notification = _save(
            Notification(
                **values,
                incident=_lookup(incidents, item["incident"], where)
                if item.get("incident")
                else None,
                update=_lookup(updates, item["update"], where) if item.get("update") else None,
            ),
            where,
        )
        notification.components.set(_lookups(components, item, "components", where))
        counts["notifications"] += 1

    for n, item in enumerate(read.items(data, "translations", "")):
        where = f"translations[{n}]"
        values = read.fields(
            Translation, item, TRANSLATION_FIELDS, {"incident", "object", "reviewed_by"}, where
        )
        ref = item.get("object")
        page_texts = {"component": components, "component_group": groups}
        kind = ref.get("type") if isinstance(ref, dict) else None
        if kind in page_texts:  # the status page's own texts belong to no incident
            if item.get("incident") is not None:
                raise ValidationError(f"{where}.incident: a {kind}'s text belongs to no incident.")
            incident = None
            target = _lookup(page_texts[kind], ref.get("id"), where + ".object")
        else:
            incident = _lookup(incidents, item.get("incident"), where + ".incident")
            target = _translation_target(incident, ref, updates, where + ".object")
        if values["field"] not in TRANSLATABLE_FIELDS[type(target)]:
            raise ValidationError(f"{where}.field: {values['field']!r} is not translated.")
        _save(
            Translation(
                **values,
                content_object=target,
                incident=incident,
                reviewed_by=read.user(item.get("reviewed_by")),
            ),
            where,
        )
        counts["translations"] += 1

    for n, item in enumerate(read.items(data, "accounts", "")):
        where = f"accounts[{n}]"
        _save(
            AccountPod(
                **read.fields(AccountPod, item, ACCOUNT_FIELDS, {"pod"}, where),
                pod=_lookup(components, item.get("pod"), where + ".pod"),
            ),
            where,
        )
        counts["accounts"] += 1

    for n, item in enumerate(read.items(data, "integrations", "")):
        where = f"integrations[{n}]"
        place = item.get("template")
        if place is not None and (
            not isinstance(place, int) or isinstance(place, bool) or not 0 <= place < len(templates)
        ):
            raise ValidationError(f"{where}.template: no incident template at {place!r}.")
        integration = Integration(
            **read.fields(Integration, item, INTEGRATION_FIELDS, {"template"}, where),
            template=templates[place] if place is not None else None,
        )
        _save(integration, where)
        counts["integrations"] += 1

    for n, item in enumerate(read.items(data, "metric_providers", "")):
        where = f"metric_providers[{n}]"
        provider = _save(
            MetricProvider(
                **read.fields(MetricProvider, item, PROVIDER_FIELDS, {"metrics"}, where)
            ),
            where,
        )
        counts["metric_providers"] += 1
        for m, row in enumerate(read.items(item, "metrics", where + ".")):
            at = f"{where}.metrics[{m}]"
            nested = {"components", "points", "buckets"}
            metric = _save(
                Metric(provider=provider, **read.fields(Metric, row, METRIC_FIELDS, nested, at)),
                at,
            )
            metric.components.set(_lookups(components, row, "components", at))
            counts["metrics"] += 1
            counts["metric_points"] += _import_metric_data(metric, row, at)

    emit(Event("site.import", after={"replace": replace, **counts}))
    return counts


def _numbers(row: Any, size: int, where: str) -> list[float]:
    """A row of `size` finite numbers."""
    if (
        not isinstance(row, list)
        or len(row) != size
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row)
        or not all(math.isfinite(v) for v in row)
    ):
        raise ValidationError(f"{where}: expected a list of {size} finite numbers.")
    return row


def _import_metric_data(metric: Metric, row: dict, where: str) -> int:
    """A metric's points and buckets, checked row by row, written in bulk."""
    points, buckets = row.get("points") or [], row.get("buckets") or []
    if not isinstance(points, list) or not isinstance(buckets, list):
        raise ValidationError(f"{where}: points and buckets are lists.")
    kept = []
    for k, point in enumerate(points):
        at, value = _numbers(point, 2, f"{where}.points[{k}]")
        if not isinstance(at, int):
            raise ValidationError(f"{where}.points[{k}]: a timestamp is whole seconds.")
        kept.append(MetricPoint(metric=metric, at=at, value=value))
    widths = {int(w) for w in BucketWidth}
    rows = []
    for k, bucket in enumerate(buckets):
        values = dict(
            zip(BUCKET_COLUMNS, _numbers(bucket, 6, f"{where}.buckets[{k}]"), strict=True)
        )
        if values["width"] not in widths or not isinstance(values["start"], int):
            raise ValidationError(f"{where}.buckets[{k}]: not a bucket of this site's widths.")
        if not isinstance(values["count"], int) or values["count"] < 1:
            raise ValidationError(f"{where}.buckets[{k}]: its count is a positive whole number.")
        rows.append(MetricBucket(metric=metric, **values))
    try:
        with transaction.atomic():
            MetricPoint.objects.bulk_create(kept, batch_size=2000)
            MetricBucket.objects.bulk_create(rows, batch_size=2000)
    except IntegrityError:
        raise ValidationError(f"{where}: a point or a bucket appears twice.") from None
    return len(kept)


def _translation_target(incident: Incident, ref: Any, updates: dict, where: str) -> models.Model:
    kind = ref.get("type") if isinstance(ref, dict) else None
    if kind == "incident":
        return incident
    if kind == "update":
        update = _lookup(updates, ref.get("id"), where)
        if update.incident_id != incident.pk:
            raise ValidationError(f"{where}: the update belongs to another incident.")
        return update
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if kind in ("postmortem", "remediation_item") and postmortem is None:
        raise ValidationError(f"{where}: the incident has no postmortem.")
    if kind == "postmortem":
        return postmortem
    if kind == "remediation_item":
        item = postmortem.remediation_items.filter(position=ref.get("position")).first()
        if item is None:
            raise ValidationError(f"{where}: no remediation item at that position.")
        return item
    raise ValidationError(f"{where}: unknown kind of translated text.")


def _import_postmortem(read: _Reader, incident: Incident, data: Any, where: str) -> Postmortem:
    if not isinstance(data, dict):
        raise ValidationError(f"{where}: expected an object.")
    postmortem = _save(
        Postmortem(
            incident=incident,
            published_by=read.user(data.get("published_by")),
            **read.fields(
                Postmortem, data, POSTMORTEM_FIELDS, {"published_by", "remediation_items"}, where
            ),
        ),
        where,
    )
    for n, item in enumerate(read.items(data, "remediation_items", where + ".")):
        at = f"{where}.remediation_items[{n}]"
        _save(
            RemediationItem(
                postmortem=postmortem,
                **read.fields(RemediationItem, item, REMEDIATION_FIELDS, set(), at),
            ),
            at,
        )
    return postmortem
