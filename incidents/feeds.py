"""Atom and RSS feeds of incidents, for the whole page and per component or group.

Each language has its own feeds under its prefix (`/it/history.atom`): translated names and
updates where there are translations, English otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import selectors, timefmt
from .localize import localized
from .markdown import render_markdown
from .models import Component, ComponentGroup, Incident

FEED_LENGTH = 50


class IncidentHistoryRss(Feed):
    """One entry per incident, showing its latest update."""

    feed_type = Rss201rev2Feed

    def get_object(self, request, public_id: str | None = None):
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
            return _("%(page)s incident history") % {"page": settings.STATUSPAGE_NAME}
        return _("%(page)s incident history: %(component)s") % {
            "page": settings.STATUSPAGE_NAME,
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
        latest = selectors.latest_update(item)
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
        latest = selectors.latest_update(item)
        return max(item.updated_at, latest.updated_at) if latest else item.updated_at


class IncidentHistoryAtom(IncidentHistoryRss):
    feed_type = Atom1Feed
    subtitle = IncidentHistoryRss.description
