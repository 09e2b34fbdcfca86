from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import selectors, viewmodels
from .cache import public_page
from .models import Component, ComponentGroup, Incident, Page
from .models.base import plausible_date


@public_page(keys=())  # the site's own key (every public answer's) purges it
def theme_css(request):
    """The page's colours (staff set them; `services.page` checks their contrast): custom
    properties of status.css, validated #rrggbb values only."""
    lines = [f"  {prop}: {value};" for prop, value in Page.current().theme.items()]
    return HttpResponse(":root {\n" + "\n".join(lines) + "\n}\n", content_type="text/css")


@public_page
def status(request):
    return render(request, "incidents/status.html", {"page": selectors.status_page()})


@public_page(keys=("incident-{public_id}", "components"))
def incident(request, public_id: str):
    try:
        found = selectors.incident_detail(public_id)
    except Incident.DoesNotExist:
        raise Http404("No such incident.") from None
    postmortem = viewmodels.public_postmortem(found)
    return render(
        request,
        "incidents/incident.html",
        {
            "incident": found,
            "timeline": viewmodels.timeline(found),
            "affected": viewmodels.affected_components(found),
            "postmortem": postmortem,
            "translation": viewmodels.translation_notes(found, postmortem),
            "more_info_links": viewmodels.more_info_links(Page.current()),
        },
    )


def _month(value: str | None) -> date | None:
    if not value:
        return None
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise Http404("Use ?month=YYYY-MM.") from None
    if not plausible_date(first):
        # Not a page: a month no incident can be in would be one more cache entry per year.
        raise Http404("No such month.")
    return first


@public_page(query=("month", "component", "group"), keys=("lists",))
def history(request):
    """Past incidents and maintenance by month: ?month=2024-03, ?component=<id>, ?group=<id>."""
    component = group = None
    if request.GET.get("component"):
        component = get_object_or_404(Component, public_id=request.GET["component"])
    if request.GET.get("group"):
        group = get_object_or_404(ComponentGroup, public_id=request.GET["group"])
    found = selectors.history(
        month=_month(request.GET.get("month")), component=component, group=group
    )
    filters = {"component": component, "group": group}
    query = "&".join(f"{name}={item.public_id}" for name, item in filters.items() if item)
    return render(
        request,
        "incidents/history.html",
        {"history": found, "component": component, "group": group, "filter_query": query},
    )


@require_safe
def healthz(request):
    """Liveness for load balancers: answers without touching the database or the cache."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
