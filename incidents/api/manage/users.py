"""The organization's users and their permissions: Statuspage's `/organizations/{id}/users`
and `/organizations/{id}/permissions/{user_id}`, mapped onto our staff.

- The organization is our one organization, with the page's id (STATUSPAGE_PAGE_ID). Another
  id is not found.
- A user is an active staff user (`is_staff`, `is_active`). Its id is opaque and stable: an
  HMAC of the database id under the site's secret key (ids made under a key still listed in
  `SECRET_KEY_FALLBACKS` keep working), so database ids are never shown. `created_at` and
  `updated_at` are both when the user joined (users record no later change).
- Statuspage's page roles are mapped onto our two staff roles:

  | Statuspage role                             | ours                                    |
  |---------------------------------------------|-----------------------------------------|
  | `incident_manager`                          | Support staff (post incidents, updates) |
  | `page_configuration`, `maintenance_manager` | Incident managers (manage everything)   |

  Read: Incident managers (and superusers) have all three; Support staff `incident_manager`
  only; a staff user in neither role none. Written: any of `page_configuration` or
  `maintenance_manager` makes the user an incident manager, else `incident_manager` support
  staff, else (or the page left out of `pages`) they keep no role.
- Creating a user creates an active staff user with an unusable password, in the request's
  `role` (Support staff by default); a `password` is refused (a password is set in the
  admin or with `manage.py changepassword`, never sent through the API). Deleting
  deactivates the user and answers it.

Reading needs `auth.view_user` (or `auth.change_user`), creating `auth.add_user`, changing
permissions `auth.change_user`, deleting `auth.delete_user` or `auth.change_user`: as in the
admin, in practice superusers unless granted.
"""

from __future__ import annotations

import base64
import hmac
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.crypto import salted_hmac
from ninja import Query, Router, Status

from ...roles import INCIDENT_MANAGERS, SUPPORT_STAFF
from ...services import users as user_services
from .. import schemas
from .. import schemas_users as user_schemas
from ..auth import OAuthKey
from .common import requires

ID_SALT = "incidents.api.manage.users.user-id"
ID_LENGTH = 12  # as Statuspage's ids
# How the generated client (swagger-codegen) spells the key of `pages`.
GENERATED_PAGE_KEY = "page_id"


def organization_scoped(view):
    """Another organization is not found: ours has the page's id (one page, one organization)."""

    @wraps(view)
    def scoped(request, organization_id: str, **kwargs):
        if organization_id != settings.STATUSPAGE_PAGE_ID:
            raise Http404
        return view(request, organization_id=organization_id, **kwargs)

    return scoped


# Mounted at v1/organizations/ (incidents/api/router.py), authenticated by key like the pages.
router = Router(auth=OAuthKey(), tags=["management"])
router.add_decorator(organization_scoped)


def _public_id(pk, secret=None) -> str:
    digest = salted_hmac(ID_SALT, str(pk), secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:ID_LENGTH].lower()


def public_id(user) -> str:
    return _public_id(user.pk)


def _staff():
    return get_user_model().objects.filter(is_staff=True, is_active=True)


def staff_named(user_id: str):
    """The active staff user with this public id; anything else is not found."""
    if not (len(user_id) == ID_LENGTH and user_id.isascii() and user_id.isalnum()):
        raise Http404
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    for pk in _staff().values_list("pk", flat=True):
        if any(hmac.compare_digest(_public_id(pk, secret), user_id) for secret in secrets):
            return _staff().get(pk=pk)
    raise Http404


def user_json(user) -> dict:
    return {
        "id": public_id(user),
        "organization_id": settings.STATUSPAGE_PAGE_ID,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "created_at": user.date_joined.isoformat(),
        "updated_at": user.date_joined.isoformat(),
    }


def permissions_json(user) -> dict:
    role = INCIDENT_MANAGERS if user.is_superuser else user_services.staff_role(user)
    manager = role == INCIDENT_MANAGERS
    return {
        "data": {
            "user_id": public_id(user),
            "pages": {
                "page_id": settings.STATUSPAGE_PAGE_ID,
                "page_configuration": manager,
                "incident_manager": role is not None,
                "maintenance_manager": manager,
            },
        }
    }


def requested_role(pages: dict[str, user_schemas.PageRoles]) -> str | None:
    """Our role for Statuspage's page roles (see the module's table)."""
    ours = {key for key in pages if key in {settings.STATUSPAGE_PAGE_ID, GENERATED_PAGE_KEY}}
    others = sorted(set(pages) - ours)
    if others:
        raise ValidationError(f"pages: unknown page id {others[0]!r}.")
    if len(ours) > 1:
        raise ValidationError("pages: name the page once.")
    if not ours:
        return None
    roles = pages[ours.pop()]
    if roles.page_configuration or roles.maintenance_manager:
        return INCIDENT_MANAGERS
    if roles.incident_manager:
        return SUPPORT_STAFF
    return None


@router.get(
    "{organization_id}/users",
    response={200: list[user_schemas.User], **schemas.ERRORS},
)
@requires("auth.view_user", "auth.change_user")
def list_organization_users(request, organization_id: str, paging: Query[schemas.Paging]):
    return [user_json(user) for user in paging.of(_staff().order_by("date_joined", "pk"))]


@router.post(
    "{organization_id}/users",
    response={201: user_schemas.User, **schemas.ERRORS},
)
@requires("auth.add_user")
def create_organization_user(request, organization_id: str, body: user_schemas.UserRequest):
    fields = body.user
    if fields.password is not None:
        raise ValidationError(
            "user.password: passwords are not set through the API; the user sets their own."
        )
    user = user_services.staff_create(
        email=fields.email,
        first_name=fields.first_name or "",
        last_name=fields.last_name or "",
        role=fields.role or SUPPORT_STAFF,
        actor=request.user,
    )
    return Status(201, user_json(user))


@router.delete(
    "{organization_id}/users/{user_id}",
    response={200: user_schemas.User, **schemas.ERRORS},
)
@requires("auth.delete_user", "auth.change_user")
def delete_organization_user(request, organization_id: str, user_id: str):
    user = user_services.staff_deactivate(staff_named(user_id), actor=request.user)
    return user_json(user)


@router.get(
    "{organization_id}/permissions/{user_id}",
    response={200: user_schemas.Permissions, **schemas.ERRORS},
)
@requires("auth.view_user", "auth.change_user")
def get_organization_user_permissions(request, organization_id: str, user_id: str):
    return permissions_json(staff_named(user_id))


@router.put(
    "{organization_id}/permissions/{user_id}",
    response={200: user_schemas.Permissions, **schemas.ERRORS},
)
@requires("auth.change_user")
def put_organization_user_permissions(
    request, organization_id: str, user_id: str, body: user_schemas.PermissionsRequest
):
    user = staff_named(user_id)
    role = requested_role(body.pages)
    user = user_services.staff_set_role(user, role, actor=request.user)
    return permissions_json(user)
