"""What a backup holds of each model: the format, and every model's own fields."""

from __future__ import annotations

from django.db import models

from incidents.metrics.models import Metric, MetricProvider
from incidents.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    Postmortem,
    RemediationItem,
)
from incidents.models.translations import Translation
from incidents.monitoring.models import Integration
from incidents.notifications.models import Notification, NotificationState, Subscriber
from incidents.pods.models import AccountPod

FORMAT = "statuspage-backup"
VERSION = 1
TIMESTAMPS = ("created_at", "updated_at")


def own_fields(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A model's own columns in the backup: every concrete field but its database id, its
    relations (exported as references beside them) and those named in `exclude`. Derived, so
    a field added to a model is backed up unless someone decides it must not be."""
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.is_relation and field.name not in exclude
    )


GROUP_FIELDS = own_fields(ComponentGroup)
COMPONENT_FIELDS = own_fields(Component)
INCIDENT_FIELDS = own_fields(Incident)
UPDATE_FIELDS = own_fields(IncidentUpdate)
POSTMORTEM_FIELDS = own_fields(Postmortem)
REMEDIATION_FIELDS = own_fields(RemediationItem)
TEMPLATE_FIELDS = own_fields(IncidentTemplate)
SUBSCRIBER_FIELDS = own_fields(Subscriber)
# The translated object and a notification's source are exported as references.
TRANSLATION_FIELDS = own_fields(Translation, exclude=("object_id",))
ACCOUNT_FIELDS = own_fields(AccountPod)
NOTIFICATION_FIELDS = own_fields(Notification, exclude=("source_id",))
PAGE_FIELDS = own_fields(Page)
INTEGRATION_FIELDS = own_fields(Integration)  # the secret's hash: the hook URLs keep working
PROVIDER_FIELDS = own_fields(MetricProvider)
METRIC_FIELDS = own_fields(Metric)
# A metric's data, compact: its points as [unix seconds, value] and its buckets as
# [width, start, sum, count, min, max].
BUCKET_COLUMNS = ("width", "start", "sum", "count", "min", "max")
# A restore never starts sending by itself.
RESTORED_AS_STOPPED = (NotificationState.QUEUED, NotificationState.SENDING)
