"""Clear answers instead of bare server errors: while the database is down, and for
addresses no page of ours can have."""

from __future__ import annotations

import logging
from urllib.parse import unquote

from django.conf import settings
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
    never reaches a lookup (where it would be a server error). Under /api/ ApiJsonMiddleware
    answers it as JSON, with the same words.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class HeadAndOptionsMiddleware:
    """HEAD and OPTIONS on every page that answers GET.

    A HEAD is answered as the GET would be, without the body (Content-Length kept), so every
    view, cache and decorator sees one method for both. An OPTIONS is asked of the view, which
    refuses it with the methods it takes (every view restricts its methods, Django's
    `require_http_methods` or the API's router): that refusal becomes a 200 naming them.
    CORS preflights never get here (corsheaders answers them first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "HEAD":
            request.method = "GET"
            response = self.get_response(request)
            request.method = "HEAD"
            if not response.streaming:
                response["Content-Length"] = str(len(response.content))
                response.content = b""
            return response
        response = self.get_response(request)
        if request.method == "OPTIONS" and response.status_code == 405:
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            if "GET" in allowed:
                allowed.append("HEAD")
            allowed.append("OPTIONS")
            answer = HttpResponse(status=200)
            answer["Allow"] = ", ".join(sorted(set(allowed)))
            answer["Content-Length"] = "0"
            return answer
        return response


REQUEST_TOO_LARGE = "The request body is too large (at most %d bytes)."


class RequestSizeMiddleware:
    """Answers 413 to a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads it
    (Django would refuse it later with a bare 400). Monitoring hooks are left to their view:
    it refuses at a lower limit, before reading too, and records the refusal on the
    integration for staff to see."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit and not request.path.startswith("/hooks/"):
            message = REQUEST_TOO_LARGE % limit
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


JSON_PATHS = ("/api/", "/hooks/")


class ApiJsonMiddleware:
    """Every answer under /api/ (and /hooks/, where monitoring posts) is JSON: an error that
    something other than the API's own handlers produced (no such route, a wrong method, a
    server error, a refused host) becomes `{"error": ...}` with the same status and headers
    such as Allow and Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(JSON_PATHS)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            answer = JsonResponse({"error": _api_error_text(response)}, status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    answer[header] = response[header]
            return answer
        return response


def _api_error_text(response) -> str:
    """Our own plain-text refusals keep their words (the database is down, a NUL in the
    address); Django's pages (HTML, possibly a debug page) give way to a short sentence."""
    if response.get("Content-Type", "").startswith("text/plain") and not response.streaming:
        text = response.content.decode("utf-8", "replace").strip()
        if text and len(text) <= 300:
            return text
    if response.status_code == 404:
        return "The requested resource could not be found."
    if response.status_code == 405:
        return "Method not allowed. Use one of: " + response.get("Allow", "") + "."
    if response.status_code >= 500:
        return "The server failed to answer; nothing was changed. Please try again."
    if response.status_code == 400:
        return "Bad request."
    return response.reason_phrase
