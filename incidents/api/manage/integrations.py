"""Monitoring integrations: list, create, read, change, rotate the secret, delete.

Mounted beside the page-scoped routes, authenticated and page-checked as they are. The answer
to a create or a rotate carries `url`, holding the secret: the only time it is shown.
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, Field, StrictBool

from ...models import IncidentTemplate
from ...monitoring import services
from ...monitoring.models import MAX_FLAP_INTERVAL, MAX_HEARTBEAT_MINUTES, IntegrationKind
from ...monitoring.models import Integration as IntegrationRow
from ...statuspage_json import timestamp
from .. import schemas
from ..auth import OAuthKey
from .common import page_scoped, refusals_named, requires

router = Router(auth=OAuthKey(), tags=["management"])
router.add_decorator(page_scoped)

Kind = Literal[tuple(IntegrationKind.values)]  # type: ignore[valid-type]


def _whole_number(value):
    """A JSON integer, or the digits a form-encoded body spells; never a flag."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


class IntegrationFields(schemas.Strict):
    name: str | None = Field(default=None, max_length=255)
    kind: Kind | None = None
    update_components: StrictBool | None = None
    open_draft_incident: StrictBool | None = None
    component_label: str | None = Field(default=None, max_length=100)
    severity_map: dict[str, str] | None = Field(
        default=None,
        description='Severity label values to component statuses, e.g. {"critical": '
        '"major_outage", "warning": "partial_outage", "info": "degraded_performance"}.',
    )
    flap_interval_s: WholeNumber | None = Field(default=None, ge=0, le=MAX_FLAP_INTERVAL)
    heartbeat_minutes: WholeNumber | None = Field(
        default=None, ge=1, le=MAX_HEARTBEAT_MINUTES, description="null: no heartbeat."
    )
    template_id: str | None = Field(
        default=None, max_length=20, description="An incident template's id, or null."
    )


class IntegrationRequest(schemas.Strict):
    integration: IntegrationFields


class Integration(Schema):
    id: str
    name: str
    kind: Kind
    update_components: bool
    open_draft_incident: bool
    component_label: str
    severity_map: dict[str, str]
    flap_interval_s: int
    heartbeat_minutes: int | None
    template_id: str | None
    last_received_at: schemas.Timestamp | None
    last_error: str | None
    last_error_at: schemas.Timestamp | None
    created_at: schemas.Timestamp
    updated_at: schemas.Timestamp
    url: str | None = Field(
        default=None,
        description="Only in the answer to a create or a rotate: the address to post alerts "
        "to, holding the secret. It is not shown again.",
    )


def _shape(integration: IntegrationRow, url: str | None = None) -> dict:
    found = {
        "id": integration.public_id,
        "name": integration.name,
        "kind": integration.kind,
        "update_components": integration.update_components,
        "open_draft_incident": integration.open_draft_incident,
        "component_label": integration.component_label,
        "severity_map": integration.severity_map,
        "flap_interval_s": integration.flap_interval_s,
        "heartbeat_minutes": integration.heartbeat_minutes,
        "template_id": str(integration.template_id) if integration.template_id else None,
        "last_received_at": timestamp(integration.last_received_at),
        "last_error": integration.last_error or None,
        "last_error_at": timestamp(integration.last_error_at),
        "created_at": timestamp(integration.created_at),
        "updated_at": timestamp(integration.updated_at),
    }
    if url is not None:
        found["url"] = url
    return found


def _integration(integration_id: str) -> IntegrationRow:
    return get_object_or_404(IntegrationRow, public_id=integration_id)


def _template(template_id: str | None) -> IncidentTemplate | None:
    if template_id is None:
        return None
    template = (
        IncidentTemplate.objects.filter(pk=int(template_id)).first()
        if template_id.isdigit() and len(template_id) < 19  # a database integer
        else None
    )
    if template is None:
        raise ValidationError("template_id: no incident template has that id.")
    return template


CLIENT_NAMES = {"template": "template_id"}


def _changes(fields: IntegrationFields) -> dict:
    changes = fields.model_dump(exclude_unset=True)
    if "template_id" in changes:
        changes["template"] = _template(changes.pop("template_id"))
    for name in ("name", "kind", "update_components", "open_draft_incident", "component_label",
                 "severity_map", "flap_interval_s"):  # fmt: skip
        if name in changes and changes[name] is None:
            raise ValidationError(f"{name}: may not be null.")
    return changes


@router.get(
    "{page_id}/integrations",
    response={200: list[Integration], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("monitoring.view_integration")
def list_integrations(request, page_id: str, paging: Query[schemas.Paging]):
    return [_shape(i) for i in paging.of(IntegrationRow.objects.order_by("name", "pk"))]


@router.post(
    "{page_id}/integrations",
    response={201: Integration, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("monitoring.add_integration")
def create_integration(request, page_id: str, body: IntegrationRequest):
    changes = _changes(body.integration)
    for required in ("name", "kind"):
        if required not in changes:
            raise ValidationError(f"{required}: is required.")
    with refusals_named(CLIENT_NAMES):
        integration, url = services.integration_create(actor=request.user, **changes)
    return Status(201, _shape(integration, url))


@router.get(
    "{page_id}/integrations/{integration_id}",
    response={200: Integration, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("monitoring.view_integration")
def get_integration(request, page_id: str, integration_id: str):
    return _shape(_integration(integration_id))


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/integrations/{integration_id}",
    response={200: Integration, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("monitoring.change_integration")
def update_integration(request, page_id: str, integration_id: str, body: IntegrationRequest):
    integration = _integration(integration_id)
    with refusals_named(CLIENT_NAMES):
        integration = services.integration_update(
            integration, actor=request.user, **_changes(body.integration)
        )
    return _shape(integration)


@router.post(
    "{page_id}/integrations/{integration_id}/rotate",
    response={200: Integration, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("monitoring.change_integration")
def rotate_integration(request, page_id: str, integration_id: str):
    integration, url = services.integration_rotate(_integration(integration_id), actor=request.user)
    return _shape(integration, url)


@router.delete(
    "{page_id}/integrations/{integration_id}",
    response={200: Integration, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("monitoring.delete_integration")
def delete_integration(request, page_id: str, integration_id: str):
    """Answers the deleted integration, as the other deletes do."""
    integration = _integration(integration_id)
    shape = _shape(integration)
    services.integration_delete(integration, actor=request.user)
    return shape
