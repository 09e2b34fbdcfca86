from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import languages as _languages
from . import timefmt
from .models import Page


def page(request):
    """The page's settings and its name, on every template (read when a template uses them)."""
    settings_of_page = SimpleLazyObject(Page.current)
    return {
        "page_settings": settings_of_page,
        "statuspage_name": SimpleLazyObject(lambda: settings_of_page.name),
    }


def languages(request):
    """The switcher and the `hreflang` alternates: this page in every language."""
    if request is None or request.path_info.startswith(("/admin/", "/api/")):
        return {}
    links = _languages.links(_shareable_path(request))
    default = next(link for link in links if link.code == settings.LANGUAGE_CODE)
    return {
        "language_links": links,
        "default_language_url": default.url,
        "public_site_url": settings.SITE_URL,
    }


# Pages whose address carries a subscriber's signed token: their alternates and switcher point
# at the sign-up page instead, so that the token is never written back into a page.
TOKEN_PAGES = {"notifications:confirm", "notifications:manage", "notifications:unsubscribe"}


def _shareable_path(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in TOKEN_PAGES:
        return reverse("notifications:subscribe")
    return request.get_full_path()


@dataclass(frozen=True)
class StaffWarning:
    """One box of the admin's banner: a heading and its lines (a label, its admin link, a
    detail), e.g. the draft incidents monitoring opened."""

    heading: str
    items: list[dict]


# What apps above the core warn staff of on every admin page: each reader, registered in its
# app's ready(), answers a list of StaffWarning (the core imports no app above it).
_warning_readers: list[Callable[[], list[StaffWarning]]] = []


def provide_staff_warnings(read: Callable[[], list[StaffWarning]]) -> None:
    if read not in _warning_readers:
        _warning_readers.append(read)


def staff_alerts(request):
    """On the admin's pages, for staff: the open incidents whose promised update is overdue,
    and what the apps above warn of (read only when a template shows them)."""
    if request is None or not request.path_info.startswith("/admin/"):
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return {}
    return {
        "overdue_updates": SimpleLazyObject(lambda: list(_overdue())),
        "staff_warnings": SimpleLazyObject(
            lambda: [warning for read in _warning_readers for warning in read() if warning.items]
        ),
    }


def _overdue():
    from .reminders import overdue_updates

    for incident in overdue_updates():
        yield {
            "incident": incident,
            "promised": timefmt.dated_stamp(incident.promised_by),
            "url": reverse("admin:incidents_incident_change", args=[incident.pk]),
        }
