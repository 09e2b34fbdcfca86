"""The NinjaAPI mounted at /api/: public v2, management v1, and /api/openapi.json."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser

from ..cache import declare_public
from . import manage, pods, public
from .auth import OAuthKey, RateLimited
from .manage import pages, users


class JsonParser(Parser):
    """JSON bodies whose every string is text: a lone surrogate (`"\\udfff"`) or a NUL
    character (`"\\u0000"`) is valid JSON, but can be neither stored nor even looked up in
    PostgreSQL, so a body holding one is refused as unreadable (400)."""

    def parse_body(self, request):
        data = json.loads(request.body)
        for text in _strings(data):
            text.encode("utf-8")  # UnicodeEncodeError on a lone surrogate
            if "\x00" in text:
                raise ValueError("a NUL character")
        return data


def _strings(value):
    """Every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


api = NinjaAPI(
    parser=JsonParser(),
    title="Status page API",
    version="1.0.0",
    description=(
        "Public status API (Statuspage v2 compatible, no authentication) and management API "
        "(Statuspage v1 compatible subset; header `Authorization: OAuth <api key>`)."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)
api.add_router("/v2/", public.router)
api.add_router("/v1/pages/", manage.router)
api.add_router("/v1/pages/", pods.router)
api.add_router("/v1/pages/", "incidents.api.manage.integrations.router")
api.add_router("/v1/pages/", "incidents.api.manage.metrics.router")
api.add_router("/v1/organizations/", users.router)
api.add_router("/v1/", pages.listing, auth=OAuthKey(), tags=["management"])


def urls():
    """The API's URL patterns, the public v2 answers declared cacheable: they read only the
    query parameters of `public.Filters`."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if str(pattern.pattern).startswith("v2/"):
            declare_public(pattern.callback, query=public.Filters.model_fields)
    return patterns, app_name, namespace


def _error(request, message: str, status: int):
    return api.create_response(request, {"error": message}, status=status)


@api.exception_handler(RequestValidationError)
def invalid_request(request, exc):
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return _error(request, "; ".join(problems) or "Invalid request.", 422)


@api.exception_handler(ValidationError)
def refused(request, exc):
    return _error(request, " ".join(exc.messages), 422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, "Could not authenticate", 401)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, str(exc) or "This key's user may not do that.", 403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, "The requested resource could not be found.", 404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = _error(request, str(exc), exc.status_code)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc):
    response = _error(
        request, "The database is unavailable; nothing was changed. Retry shortly.", 503
    )
    response["Retry-After"] = "30"
    return response
