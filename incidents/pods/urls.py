from django.urls import path

from . import views

app_name = "pods"

urlpatterns = [
    path("my/", views.lookup, name="lookup"),
    path("pods/<slug:slug>/", views.pod, name="pod"),
]
