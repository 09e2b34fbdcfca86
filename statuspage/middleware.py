"""A clear answer while the database is down, instead of a bare server error."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

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
