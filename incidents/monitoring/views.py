"""`POST /hooks/<secret>/`: where monitoring systems post their alerts.

Machines call it, never a browser: no CSRF token, no session, every answer JSON. Requests are
counted per client address (HOOK_RATE) before the secret is even looked at, so guessing stops
there; every wrong secret gets the same 404. A body over a megabyte is refused before it is
read. A payload that cannot be read, or names an unknown component or severity, is refused
with the reason (400 or 422), recorded on the integration for staff, and changes nothing.
Alertmanager retries only on 5xx, so a refusal is not resent in a loop.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import get_usage

from . import services
from .parsers import PayloadError

MAX_BODY = 1024 * 1024
NOT_FOUND = "No integration has this address."
RATE_GROUP = "monitoring.hook"


def _answer(data: dict, status: int) -> JsonResponse:
    return JsonResponse(data, status=status)


def _error(message: str, status: int) -> JsonResponse:
    return _answer({"error": message}, status)


def _limited(request) -> int | None:
    """Seconds to wait when the client's address is over HOOK_RATE, else None."""
    usage = get_usage(request, group=RATE_GROUP, key="ip", rate=settings.HOOK_RATE, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 0) + 1


def _length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt
@never_cache
def hook(request, secret: str):
    retry_after = _limited(request)
    if retry_after is not None:
        response = _error("Too many requests from your address. Retry later.", 429)
        response["Retry-After"] = str(retry_after)
        return response
    integration = services.integration_by_secret(secret)
    if integration is None:
        return _error(NOT_FOUND, 404)
    if request.method != "POST":
        response = _error("Post the alerts here (POST, a JSON body).", 405)
        response["Allow"] = "POST"
        return response
    # A declared length is refused before the body is read; an undeclared one once read.
    if _length(request) > MAX_BODY or len(request.body) > MAX_BODY:
        too_large = f"The body is larger than {MAX_BODY} bytes; nothing was read."
        services.integration_record_error(integration, too_large)
        return _error(too_large, 413)
    try:
        received = services.hook_receive(integration, request.body)
    except PayloadError as error:
        return _error(str(error), error.status)
    except ValidationError as error:
        message = " ".join(error.messages)
        services.integration_record_error(integration, message)
        return _error(message, 422)
    return _answer(
        {
            "received": received.alerts,
            "changed": received.changed,
            "components": received.applied,
            "pending": received.pending,
            "draft_incident": received.draft,
        },
        200,
    )
