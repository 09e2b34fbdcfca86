"""Atom and RSS feeds of incidents, for the whole page and per component or group, and the
maintenance calendar (iCalendar).

Each language has its own feeds under its prefix (`/it/history.atom`): translated names and
updates where there are translations, English otherwise.
"""

from __future__ import annotations

import html
from datetime import UTC, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _

from . import selectors, timefmt, viewmodels
from .cache import public_page
from .localize import localized
from .markdown import render_markdown
from .models import Component, ComponentGroup, Incident, MaintenanceStatus, Page

FEED_LENGTH = 50
# Completed maintenance stays in the calendar this long after its window ended.
CALENDAR_PAST_DAYS = 30


class _SiteRequest:
    """The request as the feed framework sees it: its host and scheme are SITE_URL's, so that
    the links of a feed (cached and served to everyone) never come from a request's Host."""

    def __init__(self, request: HttpRequest):
        self._request = request
        self._site = urlsplit(settings.SITE_URL)

    def __getattr__(self, name):
        return getattr(self._request, name)

    def get_host(self) -> str:
        return self._site.netloc

    def is_secure(self) -> bool:
        return self._site.scheme == "https"


class IncidentHistoryRss(Feed):
    """One entry per incident, showing its latest update."""

    feed_type = Rss201rev2Feed

    def get_feed(self, obj, request):
        return super().get_feed(obj, _SiteRequest(request))

    def get_object(self, request, public_id: str | None = None):
        if not Page.current().allow_rss_atom_feeds:
            raise Http404("This page has no feeds.")
        if public_id is None:
            return None
        found = (
            Component.objects.filter(public_id=public_id).first()
            or ComponentGroup.objects.filter(public_id=public_id).first()
        )
        if found is None:
            raise Http404("No such component.")
        return found

    def title(self, obj):
        if obj is None:
            return _("%(page)s incident history") % {"page": Page.current().name}
        return _("%(page)s incident history: %(component)s") % {
            "page": Page.current().name,
            "component": obj.name,
        }

    def link(self, obj):
        return reverse("incidents:status")

    def description(self, obj):
        return _("Incidents and their latest updates.")

    def items(self, obj):
        queryset = Incident.objects.all()
        if isinstance(obj, Component):
            queryset = queryset.filter(affected__component=obj)
        elif isinstance(obj, ComponentGroup):
            queryset = queryset.filter(affected__component__group=obj).distinct()
        return selectors.api_incidents(queryset, limit=FEED_LENGTH)

    def item_title(self, item: Incident) -> str:
        return localized(item, "name")

    def item_description(self, item: Incident) -> str:
        latest = viewmodels.latest_update(item)
        if latest is None:
            return ""
        return (
            f"<p><strong>{escape(latest.get_status_display())}</strong> · "
            f"{escape(timefmt.dated_stamp(latest.display_at, year=True))}</p>"
            f"{render_markdown(localized(latest, 'body'))}"
        )

    def item_link(self, item: Incident) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Incident) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    item_guid_is_permalink = True

    def item_pubdate(self, item: Incident):
        return item.started_at

    def item_updateddate(self, item: Incident):
        latest = viewmodels.latest_update(item)
        return max(item.updated_at, latest.updated_at) if latest else item.updated_at


class IncidentHistoryAtom(IncidentHistoryRss):
    feed_type = Atom1Feed
    subtitle = IncidentHistoryRss.description


def _plain(markdown_text: str) -> str:
    """Markdown as readable plain text: rendered (and sanitized), then stripped of tags."""
    return html.unescape(strip_tags(render_markdown(markdown_text))).strip()


def sequence(maintenance: Incident) -> int:
    """The event's SEQUENCE: whole seconds from its creation to its last change.

    Every service that moves the window (or changes the maintenance at all) saves it, which
    moves `updated_at` on, so the number grows with each revision and stays put otherwise.
    """
    return max(0, int((maintenance.updated_at - maintenance.created_at).total_seconds()))


def maintenance_event(maintenance: Incident, host: str) -> icalendar.Event:
    url = settings.SITE_URL + maintenance.get_absolute_url()
    latest = viewmodels.latest_update(maintenance)
    description = "\n\n".join(
        part
        for part in (
            _("Status: %(status)s") % {"status": maintenance.get_status_display()},
            _plain(latest.body) if latest else "",
            url,
        )
        if part
    )
    changed = max(maintenance.updated_at, latest.updated_at) if latest else maintenance.updated_at
    event = icalendar.Event()
    event.add("uid", f"{maintenance.public_id}@{host}")
    event.add("summary", maintenance.name)
    event.add("description", description)
    event.add("url", url)
    event.add("dtstart", maintenance.scheduled_for.astimezone(UTC))
    event.add("dtend", maintenance.scheduled_until.astimezone(UTC))
    event.add("dtstamp", changed.astimezone(UTC))
    event.add("last-modified", changed.astimezone(UTC))
    event.add("created", maintenance.created_at.astimezone(UTC))
    event.add("sequence", sequence(maintenance))
    # Statuspage has no cancelled maintenance (it is deleted, and leaves the calendar).
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    names = [row.component.name for row in maintenance.affected.all()]
    if names:
        event.add("categories", names)
    return event


def calendar_maintenances():
    """Scheduled and running maintenance, and what completed in the last CALENDAR_PAST_DAYS."""
    since = timezone.now() - timedelta(days=CALENDAR_PAST_DAYS)
    return (
        Incident.objects.maintenances()
        .filter(~Q(status=MaintenanceStatus.COMPLETED) | Q(scheduled_until__gte=since))
        .order_by("scheduled_for", "pk")
        .prefetch_related("updates", "affected__component")
    )


@public_page(keys=("lists",))
def maintenance_calendar(request: HttpRequest) -> HttpResponse:
    """`/maintenance.ics`: one VEVENT per maintenance window, times in UTC, stable UIDs."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    calendar = icalendar.Calendar()
    page_name = Page.current().name
    calendar.add("prodid", f"-//{page_name}//Scheduled maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("%(page)s scheduled maintenance") % {"page": page_name}
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for maintenance in calendar_maintenances():
        calendar.add_component(maintenance_event(maintenance, host))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    return response
