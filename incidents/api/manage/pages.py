"""The page and its banner: Statuspage's `Pages` and `StatusEmbedConfig` calls.

There is one page (STATUSPAGE_PAGE_ID): `GET /v1/pages` lists it, and the page's own routes
read and change its settings through `services.page.page_update`, which the admin calls too.
`PATCH` and `PUT` behave alike, as in Statuspage: the fields sent change, the others stay.
"""

from __future__ import annotations

from ninja import Router

from ... import statuspage_json as serializers
from ...models import Page
from ...services import page as page_service
from .. import schemas, schemas_pages
from .common import refusals_named, requires

router = Router()
# `GET /v1/pages`, mounted beside the page-scoped routes (it names no page).
listing = Router()


def _page_json(page: Page) -> dict:
    return serializers.managed_page(page, domain=page_service.domain())


def _update(request, changes: dict, names: dict[str, str] | None = None) -> Page:
    """The service's refusals name the field each one is about, as the client calls it
    (`names`: our field name -> the client's, where they differ)."""
    with refusals_named(names):
        return page_service.page_update(changes, actor=request.user)


@listing.get("pages", response={200: list[schemas_pages.ManagedPage], **schemas.ERRORS})
@requires("incidents.view_page")
def list_pages(request):
    return [_page_json(Page.current())]


@router.get("{page_id}", response={200: schemas_pages.ManagedPage, **schemas.ERRORS})
@requires("incidents.view_page")
def get_page(request, page_id: str):
    return _page_json(Page.current())


@router.api_operation(
    ["PATCH", "PUT"], "{page_id}", response={200: schemas_pages.ManagedPage, **schemas.ERRORS}
)
def update_page(request, page_id: str, body: schemas_pages.PageRequest):
    return _page_json(_update(request, body.page.model_dump(exclude_unset=True)))


@router.get(
    "{page_id}/status_embed_config",
    response={200: schemas_pages.StatusEmbedConfig, **schemas.ERRORS},
)
@requires("incidents.view_page")
def get_embed_config(request, page_id: str):
    return serializers.embed_config(Page.current())


@router.api_operation(
    ["PATCH", "PUT"],
    "{page_id}/status_embed_config",
    response={200: schemas_pages.StatusEmbedConfig, **schemas.ERRORS},
)
def update_embed_config(request, page_id: str, body: schemas_pages.StatusEmbedConfigRequest):
    changes = body.status_embed_config.model_dump(exclude_unset=True)
    if "position" in changes:
        changes["embed_position"] = changes.pop("position")
    return serializers.embed_config(_update(request, changes, {"embed_position": "position"}))
