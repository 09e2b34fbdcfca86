from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from . import selectors
from .models import Incident


def status(request):
    return render(request, "incidents/status.html", {"page": selectors.status_page()})


def incident(request, public_id: str):
    try:
        found = selectors.incident_detail(public_id)
    except Incident.DoesNotExist:
        raise Http404("No such incident.") from None
    return render(
        request,
        "incidents/incident.html",
        {
            "incident": found,
            "timeline": selectors.timeline(found),
            "affected": selectors.affected_components(found),
            "more_info_links": settings.STATUS_MORE_INFO_LINKS,
        },
    )


def healthz(request):
    """Liveness for load balancers: answers without touching the database or the cache."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
