"""The page's settings: its name, presentation, colours and the embeddable banner.

`page_update` is the one way to change them (the admin and the management API's `Pages` and
`StatusEmbedConfig` calls). It needs `incidents.change_page` (incident managers), refuses what
this page cannot do rather than storing a flag it would not honour, and refuses colours that
would make text unreadable: every text colour must reach WCAG AA's 4.5:1 against what it is
read on, and the uptime bars 3:1 (non-text contrast). A change is public: every page shows
the name, so every cached answer is replaced.

The refusals are plain English: staff meet them in the admin and API clients in an error.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ..events import Event, emit, snapshot
from ..models.page import (
    EMBED_COLOURS,
    FIXED,
    THEME_COLOURS,
    Page,
)

TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0

# Everything else a client may set (`domain` and `subdomain` are checked apart: the page's
# address is SITE_URL).
PAGE_FIELDS = {
    "name",
    "page_description",
    "headline",
    "url",
    "support_url",
    "time_zone",
    "branding",
    "hidden_from_search",
    "allow_rss_atom_feeds",
    "notifications_from_email",
    "notifications_email_footer",
    *THEME_COLOURS,
}
EMBED_FIELDS = {"embed_position", *EMBED_COLOURS}


def domain() -> str:
    """The page's host name, from SITE_URL."""
    return urlsplit(settings.SITE_URL).hostname or ""


def _allowed(actor) -> None:
    """A user actor holds `incidents.change_page` (a name such as "scheduler" is trusted)."""
    if hasattr(actor, "has_perm") and not actor.has_perm("incidents.change_page"):
        raise PermissionDenied("This user may not change the page's settings.")


@transaction.atomic
def page_update(changes: Mapping[str, Any], *, actor=None) -> Page:
    """Applies `changes` (field name -> value, as the client names them) to the page's
    settings and returns them. Nothing is saved when any change is refused."""
    _allowed(actor)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name in FIXED:
            fixed, reason = FIXED[name]
            if value is not None and value != fixed:
                errors[name] = reason
        elif name == "domain":
            if value not in (None, "", domain()):
                errors[name] = f"The page's address is {domain()}: set SITE_URL to change it."
        elif name == "subdomain":
            if value:
                errors[name] = "The page has no subdomain of a shared host: it has SITE_URL."
        elif name in PAGE_FIELDS or name in EMBED_FIELDS:
            values[name] = "" if value is None and name not in _NOT_NULL else value
        else:
            errors[name] = "This is not a setting of the page."
    if errors:
        raise ValidationError(errors)
    Page.objects.get_or_create(pk=1, defaults=Page.defaults())
    page = Page.objects.select_for_update().get(pk=1)
    before = snapshot(page)
    for name, value in values.items():
        if value is not None:
            setattr(page, name, value)
    page_check(page)
    page.save()
    # Now, and once committed: a read meanwhile (of the old row) may have cached it again.
    Page.forget()
    transaction.on_commit(Page.forget)
    emit(Event("page.update", page, actor=actor, before=before, after=snapshot(page)))
    return page


# Fields a null leaves as they are (they have no "empty" value).
_NOT_NULL = {"name", "time_zone", "branding", "embed_position", "hidden_from_search",
             "allow_rss_atom_feeds"}  # fmt: skip


def page_check(page: Page) -> None:
    """Raises ValidationError when a setting of `page` (changed, not saved) is refused:
    a field's own rules, then the colours' contrast. The admin's form asks it too."""
    page.full_clean()
    if not _is_time_zone(page.time_zone):
        raise ValidationError(
            {
                "time_zone": f"“{page.time_zone}” is not a time zone of the tz database "
                "(e.g. America/Los_Angeles)."
            }
        )
    _check_contrast(page)


def _is_time_zone(name: str) -> bool:
    """A tz database name (read as the settings read STATUS_TIMEZONES, without listing the
    whole database)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a
        return False  # folder of the database, or a name too long for a file
    return True


def _check_contrast(page: Page) -> None:
    theme = page.colours
    backgrounds = {"the page background": theme["--wash"], "the panels": theme["--paper"]}
    errors: dict[str, str] = {}

    def need(field: str, colour: str, against: dict[str, str], minimum: float) -> None:
        for where, background in against.items():
            ratio = contrast(colour, background)
            if ratio < minimum:
                errors.setdefault(
                    field,
                    f"{colour} on {where} ({background}) has a contrast of {ratio:.2f}:1; "
                    f"readers need at least {minimum}:1.",
                )

    field_of = {prop: field for field, prop in THEME_COLOURS.items()}
    for prop in ("--ink", "--muted", "--accent"):
        need(field_of[prop], theme[prop], backgrounds, TEXT_CONTRAST)
    for prop in ("--ok", "--minor", "--major", "--critical", "--maintenance"):
        # The status colours are text on the panels and the banner's background under white.
        need(field_of[prop], theme[prop], {"the panels": theme["--paper"]}, TEXT_CONTRAST)
        need(field_of[prop], theme[prop], {"the banner's white text": "#ffffff"}, TEXT_CONTRAST)
    if page.css_no_data:
        need("css_no_data", page.css_no_data, {"the panels": theme["--paper"]}, GRAPHIC_CONTRAST)
    embed = page.embed_colours
    for kind in ("incident", "maintenance"):
        text, background = embed[f"{kind}_text_color"], embed[f"{kind}_background_color"]
        need(f"{kind}_text_color", text, {f"the {kind} banner": background}, TEXT_CONTRAST)
    if errors:
        raise ValidationError(errors)


def contrast(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
