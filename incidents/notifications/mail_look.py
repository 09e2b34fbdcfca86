"""How notification mails look: the page's colours for the layout, the status badge, and
the CSS inlined into style attributes (css-inline), as mail clients drop or ignore style
sheets; only the @media rules for phones stay in a <style>."""

from __future__ import annotations

import re

import css_inline

from incidents.models import FINISHED_STATUSES, MaintenanceStatus, Page
from incidents.models.page import STYLESHEET_COLOURS
from incidents.services.page import contrast

WHITE = "#ffffff"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\Z")
# The impacts with a colour of their own (the stylesheet's --minor, --major, --critical).
_IMPACT_COLOURS = {"minor", "major", "critical"}


def text_on(background: str, dark: str) -> str:
    """White or `dark`, whichever reads better on `background` (staff pick the colours)."""
    return WHITE if contrast(background, WHITE) >= contrast(background, dark) else dark


def theme(page: Page) -> dict[str, str]:
    """The page's colours for its mails: its accent for the header and the button, its
    text, line and background colours; the stylesheet's where staff set none (or an
    unusable value)."""
    chosen = page.colours
    colours = {
        name.removeprefix("--"): chosen[name] if _COLOUR.match(chosen.get(name) or "") else default
        for name, default in STYLESHEET_COLOURS.items()
    }
    accent = colours["accent"]
    return {**colours, "brand": accent, "link": accent, "on_brand": text_on(accent, colours["ink"])}


def badge_colours(status: str, impact: str, colours: dict[str, str]) -> dict[str, str]:
    """The status badge: green once finished, the maintenance colour for maintenance, the
    impact's colour for an open incident. Its label says the status too: colour is a hint."""
    if status in FINISHED_STATUSES:
        name = "ok"
    elif status in MaintenanceStatus.values:
        name = "maintenance"
    else:
        name = impact if impact in _IMPACT_COLOURS else "maintenance"
    background = colours[name]
    return {"colour": background, "text": text_on(background, colours["ink"])}


# Mail clients drop <style> blocks or ignore them; what is left in one is only for phones.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """The document with its <style> rules moved into style attributes (the @media rules
    stay in a <style>, for the clients that read them)."""
    return _INLINER.inline(html)
