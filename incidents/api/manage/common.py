"""What every management endpoint shares: the page check, the permission check, and the
confirmation of the notification a write recorded."""

from __future__ import annotations

import inspect
import logging
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404

from ...models import Component
from ...notifications.models import NotificationState
from ...notifications.services import notification_confirm, summarize

logger = logging.getLogger(__name__)


def page_scoped(view):
    """Every operation of the management router (`Router.add_decorator` wraps each view, after
    ninja has authenticated the key and validated the request): another page is not found."""

    @wraps(view)
    def scoped(request, page_id: str, **kwargs):
        if page_id != settings.STATUSPAGE_PAGE_ID:
            raise Http404
        return view(request, page_id=page_id, **kwargs)

    return scoped


def require(request, *perms: str) -> None:
    """The key's user holds one of `perms` (full names: `incidents.add_incident`)."""
    if not any(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied("This key's user may not do that.")


def requires(*perms: str):
    """The endpoint needs one of `perms` (see `require`). Goes below the route decorator."""

    def decorate(view):
        @wraps(view)
        def checked(request, **kwargs):
            require(request, *perms)
            return view(request, **kwargs)

        # ninja resolves a view's string annotations in its function's module; the wrapper's
        # module is this one, so it is handed the view's own, already resolved.
        checked.__signature__ = inspect.signature(view, eval_str=True)
        return checked

    return decorate


def components_named(ids: list[str] | None, field: str = "component_ids") -> list[Component]:
    """The components with these ids, in that order; an id that names none is refused."""
    ids = ids or []
    found = Component.objects.in_bulk(ids, field_name="public_id")
    if len(found) != len(set(ids)):
        raise ValidationError({field: "Some component ids do not exist."})
    return [found[cid] for cid in dict.fromkeys(ids)]


def first_set(*values):
    """The first value given (not None); None when there is none."""
    return next((v for v in values if v is not None), None)


def confirm_notification(user, notification) -> None:
    """The notification the write recorded (the service returns it; None when the write
    recorded none) is confirmed by the key's user, as staff confirm one in the admin: the
    audience guard still holds wide or large sends for an incident manager's approval. A key
    whose user may not send leaves it for staff.

    The write it belongs to has committed, so a confirmation that cannot happen (staff
    confirmed it meanwhile, or the audience changed twice while it was counted) leaves the
    notification waiting in the admin rather than answering an error for a write that was
    saved.
    """
    if notification is None:
        return
    for _attempt in range(2):
        if notification.state != NotificationState.AWAITING_CONFIRMATION:
            return
        try:
            notification_confirm(
                notification, actor=user, expected_count=summarize(notification).total
            )
            return
        except PermissionDenied:
            return  # the service's rule: this user may not send
        except ValidationError:
            notification.refresh_from_db(fields=["state"])
    logger.warning("notification %s left for staff to confirm", notification.pk)


@contextmanager
def refusals_named(names: dict[str, str] | None = None):
    """A service's refusal, each message after the field it is about as the client calls it
    (`names`: our field name -> the client's, where they differ); a refusal of no field keeps
    its words."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            [
                message
                if field == NON_FIELD_ERRORS
                else f"{(names or {}).get(field, field)}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
        ) from None
