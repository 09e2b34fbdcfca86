"""Markdown to HTML for every body staff write, always through the nh3 sanitizer.

The markdownx preview (MARKDOWNX_MARKDOWNIFY_FUNCTION) and the public pages use the same
function, so what staff preview is exactly what readers get.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["extra", "sane_lists", "nl2br"]


# A Markdown converter is costly to set up and not safe to share between threads: one each.
_converters = threading.local()


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> SafeString:
    """Renders `text` as sanitized HTML: no script, event handler or javascript: URL survives.

    Remembered by text: every render of a page after a change converts the same bodies again
    (a few milliseconds each), and the result depends on nothing else.
    """
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(
            extensions=EXTENSIONS, output_format="html"
        )
    html = converter.reset().convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)
