"""The page itself: its name, how it presents itself and where its embeddable banner sits.

One row (`Page.current()`), saved the first time staff change a setting, in the admin or
through Statuspage's `Pages` and `StatusEmbedConfig` calls (`services.page`); until then the
environment's defaults (`STATUSPAGE_NAME`, `STATUS_SUPPORT_URL`).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..cache import delete_if_up, get_if_up, set_if_up
from .base import Timestamped

# The cached settings; the version changes with the model's fields.
CACHE_KEY = "page-settings:1"
CACHE_SECONDS = 300

colour = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", _("Give a colour as #rrggbb."))


def _colour_field(label: str) -> models.CharField:
    return models.CharField(label, max_length=7, blank=True, validators=[colour])


class Branding(models.TextChoices):
    BASIC = "basic", _("basic")
    PREMIUM = "premium", _("premium")


class EmbedPosition(models.TextChoices):
    TOP_LEFT = "top-left", _("top left")
    TOP_RIGHT = "top-right", _("top right")
    BOTTOM_LEFT = "bottom-left", _("bottom left")
    BOTTOM_RIGHT = "bottom-right", _("bottom right")


# Statuspage's page colours and the custom property of status.css each one sets. A colour left
# empty keeps the stylesheet's own.
THEME_COLOURS = {
    "css_body_background_color": "--wash",
    "css_font_color": "--ink",
    "css_light_font_color": "--muted",
    "css_link_color": "--accent",
    "css_border_color": "--line",
    "css_greens": "--ok",
    "css_yellows": "--minor",
    "css_oranges": "--major",
    "css_reds": "--critical",
    "css_blues": "--maintenance",
    "css_graph_color": "--graph",
    "css_no_data": "--no-data",
}

# The colours of status.css, which a colour left empty keeps (tests/test_page_settings.py
# reads the stylesheet to keep the two the same).
STYLESHEET_COLOURS = {
    "--ink": "#1d2330",
    "--muted": "#545b69",
    "--line": "#e2e5ea",
    "--paper": "#ffffff",
    "--wash": "#f5f6f8",
    "--accent": "#1f57c3",
    "--ok": "#1a7f37",
    "--minor": "#8a5a00",
    "--major": "#b4470b",
    "--critical": "#b42318",
    "--maintenance": "#1f57c3",
    # Not in the stylesheet's :root: the bars of days with no data take --line, and graphs
    # (metrics) the accent.
    "--no-data": "#e2e5ea",
    "--graph": "#1f57c3",
}
# The banner's own colours (incidents/static/incidents/banner.js), for the embed settings.
BANNER_COLOURS = {
    "incident_background_color": "#b4470b",
    "incident_text_color": "#ffffff",
    "maintenance_background_color": "#1f57c3",
    "maintenance_text_color": "#ffffff",
}

# Flags Statuspage's clients send that name something this page always or never does. Sent
# with that value they are accepted; any other value is refused with the reason.
FIXED = {
    "viewers_must_be_team_members": (
        False,
        "The page is public: audience-specific page access is not supported.",
    ),
    "allow_page_subscribers": (True, "Subscriptions to the whole page cannot be turned off."),
    "allow_incident_subscribers": (
        True,
        "Following a single incident cannot be turned off.",
    ),
    "allow_email_subscribers": (True, "Email subscriptions cannot be turned off."),
    "allow_webhook_subscribers": (True, "Webhook subscriptions cannot be turned off."),
    "allow_sms_subscribers": (False, "This page sends no text messages."),
}
EMBED_COLOURS = (
    "incident_background_color",
    "incident_text_color",
    "maintenance_background_color",
    "maintenance_text_color",
)


class Page(Timestamped):
    name = models.CharField(_("name"), max_length=100)
    page_description = models.CharField(_("description"), max_length=300, blank=True)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    url = models.URLField(_("company website"), blank=True)
    support_url = models.CharField(_("support link"), max_length=300, blank=True)
    # A tz database name (`services.page` checks it: a validator here would tie the migrations
    # to this module).
    time_zone = models.CharField(_("time zone"), max_length=64, default="Etc/UTC")
    branding = models.CharField(
        _("branding"), max_length=10, choices=Branding.choices, default=Branding.BASIC
    )
    hidden_from_search = models.BooleanField(_("hidden from search engines"), default=False)
    allow_rss_atom_feeds = models.BooleanField(_("Atom and RSS feeds"), default=True)
    # Empty: DEFAULT_FROM_EMAIL.
    notifications_from_email = models.EmailField(_("notifications sent from"), blank=True)
    notifications_email_footer = models.TextField(
        _("notification email footer"), max_length=2000, blank=True
    )
    css_body_background_color = _colour_field(_("background colour"))
    css_font_color = _colour_field(_("text colour"))
    css_light_font_color = _colour_field(_("light text colour"))
    css_link_color = _colour_field(_("link colour"))
    css_border_color = _colour_field(_("border colour"))
    css_greens = _colour_field(_("operational colour"))
    css_yellows = _colour_field(_("minor colour"))
    css_oranges = _colour_field(_("major colour"))
    css_reds = _colour_field(_("critical colour"))
    css_blues = _colour_field(_("maintenance colour"))
    css_graph_color = _colour_field(_("graph colour"))
    css_no_data = _colour_field(_("no data colour"))
    # Empty: a bar across the top of the product's page.
    embed_position = models.CharField(
        _("banner position"), max_length=12, choices=EmbedPosition.choices, blank=True
    )
    incident_background_color = _colour_field(_("banner incident background"))
    incident_text_color = _colour_field(_("banner incident text"))
    maintenance_background_color = _colour_field(_("banner maintenance background"))
    maintenance_text_color = _colour_field(_("banner maintenance text"))

    class Meta:
        verbose_name = _("page settings")
        verbose_name_plural = _("page settings")
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Page:
        """The page's settings. Until staff first change them, the environment's defaults,
        unsaved: a read never writes.

        Every page shows them, so they are kept in the cache for a few minutes and dropped
        when they change (`forget`): a page render costs no query for them, so a reader's
        lookup that renders a page costs the same queries as one that redirects. When the
        cache fails they are read from the database."""
        page = get_if_up(CACHE_KEY)
        if page is None:
            page = cls.objects.filter(pk=1).first() or cls(pk=1, **cls.defaults())
            set_if_up(CACHE_KEY, page, CACHE_SECONDS)
        return page

    @staticmethod
    def forget() -> None:
        """Drops the cached settings (after a change commits; they expire within
        CACHE_SECONDS anyway)."""
        delete_if_up(CACHE_KEY)

    @staticmethod
    def defaults() -> dict:
        return {
            "name": settings.STATUSPAGE_NAME,
            "support_url": settings.STATUS_SUPPORT_URL,
        }

    @property
    def website_name(self) -> str:
        """The company website's host name, the label of its link."""
        return urlsplit(self.url).hostname or self.url

    @property
    def theme_version(self) -> str:
        """Changes whenever the theme does (the stylesheet's address carries it)."""
        return hashlib.sha256(repr(sorted(self.theme.items())).encode()).hexdigest()[:12]

    @property
    def colours(self) -> dict[str, str]:
        """Every custom property of the theme, the stylesheet's where staff set none."""
        return {**STYLESHEET_COLOURS, **self.theme}

    @property
    def embed_colours(self) -> dict[str, str]:
        """The banner's colours, its own where staff set none."""
        return {field: getattr(self, field) or BANNER_COLOURS[field] for field in EMBED_COLOURS}

    @property
    def theme(self) -> dict[str, str]:
        """The custom properties of status.css this page's colours replace."""
        return {
            prop: getattr(self, field)
            for field, prop in THEME_COLOURS.items()
            if getattr(self, field)
        }
