"""Request and response shapes of the organization's users and their permissions, as
Statuspage names them (see `manage.users` for how they map onto our staff and roles)."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool

from ..roles import INCIDENT_MANAGERS, SUPPORT_STAFF
from .schemas import Strict, Timestamp

RoleValue = Literal[SUPPORT_STAFF, INCIDENT_MANAGERS]  # type: ignore[valid-type]


class User(Schema):
    id: str
    organization_id: str
    email: str
    first_name: str
    last_name: str
    created_at: Timestamp
    updated_at: Timestamp


class PagePermissions(Schema):
    page_id: str
    page_configuration: bool
    incident_manager: bool
    maintenance_manager: bool


class PermissionsData(Schema):
    user_id: str
    pages: PagePermissions


class Permissions(Schema):
    data: PermissionsData


# Requests


class UserFields(Strict):
    email: str = Field(max_length=254)
    # Statuspage's field, refused here: staff set their own password (see `manage.users`).
    password: str | None = Field(default=None, description="Not accepted; leave it out.")
    first_name: str | None = Field(default=None, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    role: RoleValue | None = Field(
        default=None, description=f"The staff role (not Statuspage's); {SUPPORT_STAFF} if unset."
    )


class UserRequest(Strict):
    user: UserFields


class PageRoles(Strict):
    page_configuration: StrictBool | None = None
    incident_manager: StrictBool | None = None
    maintenance_manager: StrictBool | None = None


class PermissionsRequest(Strict):
    pages: dict[str, PageRoles] = Field(
        description="The page's id (or `page_id`, as the generated client spells it) mapped to "
        "its roles; a page left out is no role."
    )
