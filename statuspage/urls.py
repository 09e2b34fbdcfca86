from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.static import serve

from incidents import languages
from incidents.api import router as api_router
from incidents.monitoring.views import hook as monitoring_hook
from incidents.views import healthz, theme_css

# Staff and machine endpoints are not translated and have no language prefix.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api_router.urls()),
    path("hooks/<str:secret>/", monitoring_hook, name="monitoring-hook"),
    path("markdownx/", include("incidents.staff")),
    path("healthz", healthz, name="healthz"),
    path("theme.css", theme_css, name="theme-css"),
    path("language/<str:code>/", languages.switch, name="switch-language"),
    # Browsers ask for /favicon.ico whatever a page says: the static icon, its hashed name
    # read when asked (a missing manifest cannot stop the URLs from loading).
    path("favicon.ico", lambda request: redirect(static("incidents/favicon.svg")), name="favicon"),
]
# The public pages: English at /, every other language under its prefix (/it/, /pt-br/, ...).
urlpatterns += i18n_patterns(
    path("", include("incidents.notifications.urls")),
    path("", include("incidents.pods.urls")),
    path("", include("incidents.urls")),
    prefix_default_language=False,
)

# In the site's layout and the address's language; the 500 page needs neither the database
# nor the cache (statuspage/errors.py).
handler404 = "statuspage.errors.page_not_found"
handler500 = "statuspage.errors.server_error"

if settings.DEBUG:
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.lstrip('/')}<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
