"""Incident updates: the edit of a posted update's text or displayed time."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router

from ... import services
from ... import statuspage_json as serializers
from ...models import IncidentUpdate
from .. import schemas
from .common import requires
from .incidents import _incident, _when

router = Router()


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/incidents/{incident_id}/incident_updates/{incident_update_id}",
    response={200: schemas.IncidentUpdate, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.change_incidentupdate")
def update_incident_update(
    request, page_id: str, incident_id: str, incident_update_id: str, body: schemas.UpdateRequest
):
    update = get_object_or_404(
        IncidentUpdate.objects.select_related("incident"),
        public_id=incident_update_id,
        incident__public_id=incident_id,
    )
    fields = body.incident_update
    services.update_edit(
        update,
        body=fields.body,
        display_at=_when(fields.display_at, "display_at"),
        actor=request.user,
    )
    incident = _incident(incident_id)
    fresh = next(u for u in incident.updates.all() if u.pk == update.pk)
    return serializers.incident_update(fresh, incident)
