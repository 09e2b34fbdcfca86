"""Management-API authentication: `Authorization: OAuth <key>` (or `?api_key=`), rate limited."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from ninja.errors import AuthenticationError, HttpError
from ninja.security.base import AuthBase

from .services import api_key_user

RATE_LIMITED = 420  # Statuspage's "Enhance Your Calm"


class OAuthKey(AuthBase):
    """Statuspage's scheme: `Authorization: OAuth <api key>`."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "Authorization"

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() not in {"oauth", "bearer"}:
            key = request.GET.get("api_key", "")
        user = api_key_user(key.strip())
        if user is None:
            raise AuthenticationError()
        if is_ratelimited(
            request,
            group="management-api",
            key=lambda _group, _request: f"user:{user.pk}",
            rate=settings.API_RATE,
            increment=True,
        ):
            raise HttpError(RATE_LIMITED, "Rate limit exceeded. Slow down and retry.")
        request.user = user
        return user
