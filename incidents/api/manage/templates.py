"""Incident templates: list and create."""

from __future__ import annotations

from ninja import Query, Router, Status

from ... import statuspage_json as serializers
from ...models import IncidentStatus, IncidentTemplate
from ...services import templates as template_services
from .. import schemas
from .common import components_named, first_set, requires

router = Router()


@router.get(
    "{page_id}/incident_templates",
    response={200: list[schemas.Template], **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_incidenttemplate")
def list_templates(request, page_id: str, paging: Query[schemas.Paging]):
    items = IncidentTemplate.objects.prefetch_related("components__group").order_by("name")
    return [serializers.template(t) for t in paging.of(items)]


@router.post(
    "{page_id}/incident_templates",
    response={201: schemas.Template, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.add_incidenttemplate")
def create_template(request, page_id: str, body: schemas.TemplateRequest):
    fields = body.template
    components = components_named(fields.component_ids)
    template = IncidentTemplate(
        name=fields.name,
        title=fields.title,
        body=fields.body,
        status=fields.update_status or IncidentStatus.INVESTIGATING,
        deliver_notifications=first_set(fields.should_send_notifications, True),
    )
    template_services.incident_template_save(template, components=components, actor=request.user)
    return Status(201, serializers.template(template))
