"""Management API, a Statuspage v1 compatible subset. Every write calls the same service as
the admin, so validation, notifications and the audit log apply equally.

One router per resource; this one mounts them all (under /v1/pages/), authenticates every
request by its key and checks the page of every operation (`common.page_scoped`).
"""

from __future__ import annotations

from ninja import Router

from ..auth import OAuthKey
from . import (
    components,
    groups,
    incident_subscribers,
    incident_updates,
    incidents,
    page_access,
    pages,
    postmortems,
    subscribers,
    templates,
)
from .common import page_scoped

router = Router(auth=OAuthKey(), tags=["management"])
router.add_decorator(page_scoped)
for resource in (
    components,
    groups,
    incidents,
    incident_updates,
    postmortems,
    templates,
    subscribers,
    incident_subscribers,
    page_access,
    pages,
):
    router.add_router("", resource.router)
