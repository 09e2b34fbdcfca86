"""Who a request comes from, for the login lockout and every rate limit, and the answer to a
locked admin login (named in the settings by dotted path)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse


def client_ip(request) -> str:
    """The client's address: the last one in CLIENT_IP_HEADER (the one the site's own proxy
    added), or REMOTE_ADDR for a request that reached the site directly."""
    forwarded = request.META.get(settings.CLIENT_IP_HEADER, "")
    return forwarded.rsplit(",", 1)[-1].strip() or request.META.get("REMOTE_ADDR", "")


def admin_lockout(request, original_response=None, credentials=None) -> HttpResponse:
    """axes' answer to a locked pair: 429, the message, and the cool-off as Retry-After (the
    lock ends at most that long from now, since attempts while locked do not extend it)."""
    response = HttpResponse(
        settings.AXES_COOLOFF_MESSAGE, status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
