"""Management-API authentication: `Authorization: OAuth <key>` (or `?api_key=`), rate limited.

Two limits, both django-ratelimit's fixed windows: requests per key (`API_RATE`), and wrong
keys per client address (`API_AUTH_FAILURE_RATE`). Past the second, every request from that
address is refused before its key is even looked at, so guessing stops there.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.errors import AuthenticationError, HttpError
from ninja.security.base import AuthBase

from statuspage.throttling import client_ip

from .services import api_key_user

RATE_LIMITED = 420  # Statuspage's "Enhance Your Calm"
FAILURES_GROUP = "management-api-auth-failures"

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(HttpError):
    """A rate-limit refusal; `retry_after` is the seconds until its window ends."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(RATE_LIMITED, message)
        self.retry_after = retry_after


def _period(rate: str) -> int:
    """The window of a rate as settings validate it, in seconds ("5/10m" is 600)."""
    per = rate.partition("/")[2]
    return int(per[:-1] or 1) * _SECONDS[per[-1]]


def _retry_after(usage: dict, rate: str) -> int:
    # The count starts again in the second after the window's last (time_left seconds from
    # now). time_left is -1 when the cache failed and the limit refuses everything: the whole
    # period is then the honest upper bound.
    if usage["time_left"] < 0:
        return _period(rate)
    return usage["time_left"] + 1


class OAuthKey(AuthBase):
    """Statuspage's scheme: `Authorization: OAuth <api key>`."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "Authorization"

    def __call__(self, request: HttpRequest):
        failures = _failures(request)
        # Not incremented here, so `>=`: the attempt after the last allowed failure is refused.
        if failures is not None and failures["count"] >= failures["limit"]:
            raise RateLimited(
                "Too many failed authentications from your address. Retry later.",
                _retry_after(failures, settings.API_AUTH_FAILURE_RATE),
            )
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() not in {"oauth", "bearer"}:
            key = request.GET.get("api_key", "")
        key = key.strip()
        user = api_key_user(key)
        if user is None:
            if key:  # a request without any key guesses nothing
                _failures(request, increment=True)
            raise AuthenticationError()
        usage = get_usage(
            request,
            group="management-api",
            key=lambda _group, _request: f"user:{user.pk}",
            rate=settings.API_RATE,
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            raise RateLimited(
                "Rate limit exceeded. Slow down and retry.",
                _retry_after(usage, settings.API_RATE),
            )
        request.user = user
        return user


def _failures(request: HttpRequest, *, increment: bool = False) -> dict | None:
    """django-ratelimit's count of wrong keys from the request's address, or None."""
    # A request without an address (a WSGI test client, a Unix socket without CLIENT_IP_HEADER)
    # is not counted: one count shared by all of them would let anyone lock everyone out. The
    # keys are 256 random bits, beyond guessing anyway; this limit stops the trying.
    if not client_ip(request):
        return None
    return get_usage(
        request,
        group=FAILURES_GROUP,
        key="ip",
        rate=settings.API_AUTH_FAILURE_RATE,
        increment=increment,
    )
