"""The page's staff: the users who run it and their role (`incidents.roles`).

Creating, changing the role of and deactivating a staff user go through these functions. They
need the same permissions as in the admin (`auth.add_user`, `auth.change_user`,
`auth.delete_user`), and each write is audited (not public). A user is never deleted: the
audit log keeps its authors, so deactivating clears `is_active` and the user can no longer
log in or use an API key.

The refusals are plain English: only the management API calls these functions.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ..events import Event, emit
from ..roles import INCIDENT_MANAGERS, SUPPORT_STAFF

ROLES = (SUPPORT_STAFF, INCIDENT_MANAGERS)
USERNAME = re.compile(r"^[\w.@+-]+\Z")


def staff_role(user) -> str | None:
    """The user's role: Incident managers (the wider one) when in both, None in neither."""
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return next((role for role in reversed(ROLES) if role in names), None)


def _allowed(actor, *perms: str) -> None:
    """A user actor holds one of `perms` (a name such as "scheduler", or None, is trusted)."""
    if hasattr(actor, "has_perm") and not any(actor.has_perm(perm) for perm in perms):
        raise PermissionDenied("This user may not manage users.")


def _validate_role(role: str | None) -> None:
    if role is not None and role not in ROLES:
        raise ValidationError({"role": f"Unknown role “{role}”. Use one of: {', '.join(ROLES)}."})


def _username_for(email: str) -> str:
    """The email itself when it can be a username, otherwise a spelling of it that can; a
    number follows when that is taken."""
    User = get_user_model()
    base = email if USERNAME.match(email) else re.sub(r"[^\w.@+-]", "-", email)
    base = base[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def staff_create(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = SUPPORT_STAFF,
    actor=None,
):
    """Creates an active staff user in `role`, with an unusable password (they get one
    through the admin's password change or `manage.py changepassword`). An email already
    used by any user, active or not, is refused."""
    _allowed(actor, "auth.add_user")
    User = get_user_model()
    email = User.objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if len(email) > User._meta.get_field("email").max_length:
        raise ValidationError({"email": "The email address is too long."})
    if role is None:
        raise ValidationError({"role": "A new user needs a role."})
    _validate_role(role)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A user with this email address already exists."})
    user = User(
        username=_username_for(email),
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        is_staff=True,
        is_active=True,
    )
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ValidationError(
            {field: " ".join(messages) for field, messages in error.message_dict.items()}
        ) from None
    user.save()
    user.groups.add(Group.objects.get(name=role))
    emit(
        Event(
            "user.create",
            user,
            actor=actor,
            after={
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "is_staff": True,
                "role": role,
            },
            public=False,
        )
    )
    return user


@transaction.atomic
def staff_set_role(user, role: str | None, *, actor=None):
    """Puts the user in `role` alone of the two roles (None: in neither; their other groups
    stay). Nobody leaves Incident managers by their own hand: another manager does that."""
    _allowed(actor, "auth.change_user")
    _validate_role(role)
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    before = staff_role(user)
    if before == role:
        return user
    if (
        getattr(actor, "pk", None) == user.pk
        and before == INCIDENT_MANAGERS
        and role != INCIDENT_MANAGERS
    ):
        raise ValidationError("You may not remove your own Incident managers role.")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    emit(
        Event(
            "user.set_role",
            user,
            actor=actor,
            before={"role": before},
            after={"role": role},
            public=False,
        )
    )
    return user


@transaction.atomic
def staff_deactivate(user, *, actor=None):
    """Deactivates the user (never deletes them: the audit log keeps its authors). Their API
    keys stop working with it. Nobody deactivates themselves."""
    # In the admin, unticking "active" is a change: either permission will do.
    _allowed(actor, "auth.delete_user", "auth.change_user")
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationError("You may not deactivate your own account.")
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    emit(
        Event(
            "user.deactivate",
            user,
            actor=actor,
            before={"is_active": True},
            after={"is_active": False},
            public=False,
        )
    )
    return user
