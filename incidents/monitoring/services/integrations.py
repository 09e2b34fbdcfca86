"""Integrations: create, change, rotate the secret, delete. The admin and the management API
call these; neither saves an Integration itself.

The secret is a random token shown once, as part of the URL `SITE_URL/hooks/<secret>/`, when
the integration is made or its secret rotated; only its SHA-256 is stored, and a request is
matched by the hash of the secret in its path.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.events import Event, emit, snapshot, stored
from incidents.models import ComponentStatus

from ..models import AlertStatus, Integration, IntegrationKind, default_severity_map
from .alerts import steer_components, steer_components_of

SECRET_BYTES = 32
# Longer than any secret we make: refused before it is even hashed.
MAX_SECRET_LENGTH = 128
MAX_SEVERITIES = 50
MAX_SEVERITY_LENGTH = 64
# A Prometheus label name (Grafana's are the same).
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# What a severity may mean: any component status but maintenance, which only a scheduled
# maintenance sets.
SEVERITY_STATUSES = [s for s in ComponentStatus.values if s != ComponentStatus.UNDER_MAINTENANCE]

FIELDS = (
    "name",
    "kind",
    "update_components",
    "open_draft_incident",
    "component_label",
    "severity_map",
    "flap_interval_s",
    "heartbeat_minutes",
    "template",
)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def hook_url(secret: str) -> str:
    return settings.SITE_URL + reverse("monitoring-hook", args=[secret])


def integration_by_secret(secret: str) -> Integration | None:
    """The integration whose secret this is, or None. The lookup is by the secret's hash, so
    the time it takes says nothing about how much of a guess was right."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    return Integration.objects.filter(secret_hash=secret_hash(secret)).first()


def validate_severity_map(value) -> dict[str, str]:
    """The severity map as stored: severities (label values, compared without case) to
    component statuses. Anything else is refused, naming what is wrong."""
    if not isinstance(value, dict):
        raise ValidationError({"severity_map": "The severity map is a JSON object."})
    if len(value) > MAX_SEVERITIES:
        raise ValidationError({"severity_map": f"At most {MAX_SEVERITIES} severities."})
    found = {}
    for severity, status in value.items():
        key = severity.strip().lower() if isinstance(severity, str) else ""
        if not key or len(key) > MAX_SEVERITY_LENGTH:
            raise ValidationError(
                {"severity_map": f"A severity is a name of 1 to {MAX_SEVERITY_LENGTH} characters."}
            )
        if status not in SEVERITY_STATUSES:
            raise ValidationError(
                {
                    "severity_map": f"Severity {key!r} maps to {str(status)[:40]!r}, which is "
                    f"not a component status. Use one of: {', '.join(SEVERITY_STATUSES)}."
                }
            )
        if key in found and found[key] != status:
            raise ValidationError({"severity_map": f"Severity {key!r} is given twice."})
        found[key] = status
    return found


def integration_check(integration: Integration) -> None:
    """Refuses (ValidationError by field) what the services would refuse of `integration`;
    normalizes its name and severity map. The admin's form shows the same refusals."""
    errors = {}
    if integration.kind not in IntegrationKind.values:
        errors["kind"] = f"The kind is one of: {', '.join(IntegrationKind.values)}."
    if not (integration.name or "").strip():
        errors["name"] = "Give the integration a name."
    label = integration.component_label
    if not isinstance(label, str) or not LABEL_NAME.match(label) or len(label) > 100:
        errors["component_label"] = (
            "The component label is a label name: letters, digits and underscores, not "
            "starting with a digit (e.g. component)."
        )
    if errors:
        raise ValidationError(errors)
    integration.name = integration.name.strip()
    integration.severity_map = validate_severity_map(integration.severity_map)
    if not integration.severity_map and integration.kind != IntegrationKind.GENERIC:
        raise ValidationError(
            {"severity_map": "Map at least one severity to a status (e.g. critical)."}
        )
    integration.full_clean(exclude=["secret_hash"])


@transaction.atomic
def integration_create(*, actor=None, **fields) -> tuple[Integration, str]:
    """Makes an integration of the fields given (`FIELDS`; the others take their defaults)
    and answers it with its URL, which holds the secret: the only time it is shown. Bad
    values are refused (ValidationError) and nothing is made."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    fields.setdefault("severity_map", default_severity_map())
    integration = Integration(**fields)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    integration.secret_hash = secret_hash(secret)
    integration_check(integration)
    integration.save()
    emit(
        Event("integration.create", integration, actor=actor, after=snapshot(integration),
              public=False)
    )  # fmt: skip
    return integration, hook_url(secret)


@transaction.atomic
def integration_update(integration: Integration, *, actor=None, **changes) -> Integration:
    """Changes the fields given (`FIELDS`); the secret stays. When it stops (or starts)
    updating components, the components its firing alerts touch are steered again."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    before = stored(Integration, integration.pk)
    for field, value in changes.items():
        setattr(integration, field, value)
    integration_check(integration)
    integration.save()
    emit(
        Event("integration.update", integration, actor=actor, before=before,
              after=snapshot(integration), public=False)
    )  # fmt: skip
    if before["update_components"] != integration.update_components:
        steer_components_of(integration, reason="automation turned on or off")
    return integration


@transaction.atomic
def integration_rotate(integration: Integration, *, actor=None) -> tuple[Integration, str]:
    """Gives the integration a new secret and answers its new URL (shown this once); the old
    URL stops working at once."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    integration.secret_hash = secret_hash(secret)
    integration.save(update_fields=["secret_hash", "updated_at"])
    emit(
        Event("integration.rotate", integration, actor=actor,
              after={"rotated_at": timezone.now().isoformat()}, public=False)
    )  # fmt: skip
    return integration, hook_url(secret)


@transaction.atomic
def integration_delete(integration: Integration, *, actor=None) -> None:
    """Deletes an integration and its alerts; the components they held are steered again
    at once (to what other alerts, incidents and maintenance hold them in)."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    touched = list(
        integration.alerts.filter(state=AlertStatus.FIRING).values_list("component", flat=True)
    )
    cause = {"integration": integration.public_id, "integration_name": integration.name,
             "reason": "integration deleted"}  # fmt: skip
    emit(
        Event("integration.delete", integration, actor=actor, before=snapshot(integration),
              public=False)
    )  # fmt: skip
    integration.delete()
    if integration.update_components:
        steer_components(touched, interval=0, cause=cause)
