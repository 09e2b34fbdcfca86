from django.urls import path

from . import feeds, views

app_name = "incidents"

urlpatterns = [
    path("", views.status, name="status"),
    path("incidents/<slug:public_id>/", views.incident, name="incident"),
    path("history/", views.history, name="history"),
    path("history.atom", feeds.IncidentHistoryAtom(), name="history-atom"),
    path("history.rss", feeds.IncidentHistoryRss(), name="history-rss"),
    path("maintenance.ics", feeds.maintenance_calendar, name="maintenance-calendar"),
    path(
        "components/<slug:public_id>/history.atom",
        feeds.IncidentHistoryAtom(),
        name="component-history-atom",
    ),
    path(
        "components/<slug:public_id>/history.rss",
        feeds.IncidentHistoryRss(),
        name="component-history-rss",
    ),
]
