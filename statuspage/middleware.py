"""Clear answers instead of bare server errors: while the database is down, and for
addresses no page of ours can have."""

from __future__ import annotations

import logging
from urllib.parse import unquote

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse

logger = logging.getLogger(__name__)

MESSAGE = (
    "The database is unavailable right now; nothing was changed. Please try again in a minute."
)


class DatabaseUnavailableMiddleware:
    """Answers 503 with Retry-After when a view fails because the database is unreachable.

    Every write runs in one transaction, so such a failure leaves nothing half-written; the
    public pages, above this, are served from the cache instead (incidents/cache.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable during %s %s: %s", request.method, request.path,
                     exception)  # fmt: skip
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response


NUL_MESSAGE = "Null characters are not allowed in an address."


class RefuseNulMiddleware:
    """Answers 400 to a request whose path or query holds a NUL character.

    No address of ours has one, and PostgreSQL cannot even compare one: refused here, once, it
    never reaches a lookup (where it would be a server error). API clients get JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            if request.path.startswith("/api/"):
                return JsonResponse({"error": NUL_MESSAGE}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
