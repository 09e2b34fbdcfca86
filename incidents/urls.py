from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.status, name="status"),
    path("incidents/<slug:public_id>/", views.incident, name="incident"),
    path("history/", views.history, name="history"),
]
