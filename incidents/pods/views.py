"""`/my/` finds a reader's pod; `/pods/<slug>/` is that pod's status.

Nothing about the reader is kept: the lookup answers with a redirect to the pod's page, which
is the same for everyone on that pod and cached like `/`. The forms post without a CSRF token
(the lookup changes nothing), so the cached pages that carry the form stay the same for every
visitor, and the identifier stays out of URLs, access logs and browser history.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from ..cache import public_page
from . import selectors
from .forms import LookupForm
from .links import pod_url
from .services import normalize_identifier


@csrf_exempt  # a lookup changes nothing; a token would make the cached pages per visitor
@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """GET shows the form; POST (or GET with `?account=`) looks the account up."""
    data = request.POST if request.method == "POST" else request.GET
    if "account" not in data:
        return render(request, "pods/my.html", {"form": LookupForm()})
    if is_ratelimited(
        request, group="pods.lookup", key="ip", rate=settings.POD_LOOKUP_RATE, increment=True
    ):
        return render(request, "pods/rate_limited.html", status=429)
    form = LookupForm(data)
    identifier = ""
    if form.is_valid():
        with contextlib.suppress(ValidationError):
            identifier = normalize_identifier(form.cleaned_data["account"])
    # One query whatever was typed, and one answer for every miss (unknown, malformed or
    # empty), so that the answer tells nothing about which accounts exist.
    pod = selectors.account_pod(identifier)
    if pod is not None:
        return redirect(pod_url(pod))
    return render(request, "pods/my.html", {"form": LookupForm(), "missed": True})


@public_page
def pod(request, slug: str):
    found = selectors.pod_by_slug(slug)
    if found is None:
        raise Http404("No such pod.")
    view = selectors.pod_page(found)
    return render(
        request,
        "pods/pod.html",
        {"pod": view.pod, "page": view.page, "subscribe_components": view.subscribe_components},
    )
