from django.urls import path

from . import feeds, views
from .cache import public_page

app_name = "incidents"

# The feeds show the lists of incidents (their surrogate key, see incidents.cache).
LISTS = ("lists",)

urlpatterns = [
    path("", views.status, name="status"),
    path("incidents/<slug:public_id>/", views.incident, name="incident"),
    path("history/", views.history, name="history"),
    path(
        "history.atom",
        public_page(feeds.IncidentHistoryAtom(), keys=LISTS),
        name="history-atom",
    ),
    path("history.rss", public_page(feeds.IncidentHistoryRss(), keys=LISTS), name="history-rss"),
    path("maintenance.ics", feeds.maintenance_calendar, name="maintenance-calendar"),
    path(
        "components/<slug:public_id>/history.atom",
        public_page(feeds.IncidentHistoryAtom(), keys=LISTS),
        name="component-history-atom",
    ),
    path(
        "components/<slug:public_id>/history.rss",
        public_page(feeds.IncidentHistoryRss(), keys=LISTS),
        name="component-history-rss",
    ),
]
