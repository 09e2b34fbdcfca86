from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from incidents.api.router import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("markdownx/", include("incidents.staff")),
    path("", include("incidents.notifications.urls")),
    path("", include("incidents.pods.urls")),
    path("", include("incidents.urls")),
]

if settings.DEBUG:
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.lstrip('/')}<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
