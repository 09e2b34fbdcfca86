"""An incident's postmortem: read, save the draft, publish, revert to draft, delete."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router

from ... import statuspage_json as serializers
from ...models import Incident, Postmortem
from ...services import postmortems as postmortem_services
from .. import schemas
from .common import confirm_notification, requires

router = Router()


def _postmortem(incident_id: str) -> tuple[Incident, Postmortem]:
    incident = get_object_or_404(Incident.objects.incidents(), public_id=incident_id)
    found = (
        Postmortem.objects.filter(incident=incident).prefetch_related("remediation_items").first()
    )
    if found is None:
        raise Http404
    return incident, found


@router.get(
    "{page_id}/incidents/{incident_id}/postmortem",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.view_postmortem")
def get_postmortem(request, page_id: str, incident_id: str):
    return serializers.postmortem(_postmortem(incident_id)[1])


@router.put(
    "{page_id}/incidents/{incident_id}/postmortem",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.change_postmortem")
def save_postmortem_draft(request, page_id: str, incident_id: str, body: schemas.PostmortemRequest):
    """Creates or changes the draft. `body_draft` is the free text; `root_cause` and
    `resolution` (additions) fill the sections."""
    incident = get_object_or_404(Incident.objects.incidents(), public_id=incident_id)
    fields = body.postmortem
    postmortem_services.postmortem_save_draft(
        incident,
        root_cause=fields.root_cause,
        resolution=fields.resolution,
        body=fields.body_draft,
        actor=request.user,
    )
    return serializers.postmortem(_postmortem(incident_id)[1])


@router.put(
    "{page_id}/incidents/{incident_id}/postmortem/publish",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.publish_postmortem")
def publish_postmortem(
    request, page_id: str, incident_id: str, body: schemas.PublishRequest | None = None
):
    """Publishes the draft (incident managers); subscribers who follow it are told, through
    the same review as every notification."""
    _incident, found = _postmortem(incident_id)
    fields = body.postmortem if body is not None else None
    notify = fields is None or fields.notify_subscribers is not False
    published = postmortem_services.postmortem_publish(found, notify=notify, actor=request.user)
    confirm_notification(request.user, published.notification)
    return serializers.postmortem(_postmortem(incident_id)[1])


@router.delete(
    "{page_id}/incidents/{incident_id}/postmortem",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.delete_postmortem")
def delete_postmortem(request, page_id: str, incident_id: str):
    """Deletes the draft; answers it as it was (a published one must be reverted first)."""
    _incident, found = _postmortem(incident_id)
    shape = serializers.postmortem(found)
    postmortem_services.postmortem_delete(found, actor=request.user)
    return shape


@router.put(
    "{page_id}/incidents/{incident_id}/postmortem/revert",
    response={200: schemas.Postmortem, **schemas.ERRORS},
    exclude_unset=True,
)
@requires("incidents.publish_postmortem")
def revert_postmortem(request, page_id: str, incident_id: str):
    postmortem_services.postmortem_revert(_postmortem(incident_id)[1], actor=request.user)
    return serializers.postmortem(_postmortem(incident_id)[1])
