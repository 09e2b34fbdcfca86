"""The text part of a mail: sanitized Markdown HTML read back as plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from incidents.markdown import render_markdown


class _PlainText(HTMLParser):
    """Sanitized Markdown HTML (incidents.markdown's tags) read as plain text: paragraphs
    apart, list items marked, links as "text (url)", no markup left."""

    BLOCKS = {"p", "h2", "h3", "h4", "pre", "table", "blockquote", "hr", "ul", "ol", "li", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []
        self.pieces: list[str] = []
        self.marker = ""
        self.tight = False
        self.lists: list[list] = []  # [tag, items so far]
        self.links: list[tuple[str, int]] = []
        self.pre = self.quote = self.cells = self.rows = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.BLOCKS:
            self._flush()
        if tag == "pre":
            self.pre += 1
        elif tag == "blockquote":
            self.quote += 1
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            number = f"{kind[1]}." if kind[0] == "ol" else "-"
            self.marker = "  " * max(0, len(self.lists) - 1) + number + " "
            # A list stands apart from what precedes it; its items (and sublists) do not.
            self.tight = kind[1] > 1 or len(self.lists) > 1
        elif tag == "tr":
            self.rows += 1
            self.cells, self.tight = 0, self.rows > 1
        elif tag == "table":
            self.rows = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.pieces.append(" | ")
            self.cells += 1
        elif tag == "br":
            self.pieces.append("\n")
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.pieces)))
        elif tag == "img":
            alt, src = (attrs.get("alt") or "").strip(), attrs.get("src") or ""
            self.pieces.append(f"{alt} ({src})" if alt and src else alt or src)

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.pieces[start:]).strip()
            if href and href not in (label, f"mailto:{label}"):
                self.pieces.append(f" ({href})" if label else href)
        elif tag in self.BLOCKS:
            self._flush()
            if tag == "pre":
                self.pre -= 1
            elif tag == "blockquote":
                self.quote -= 1
            elif tag in ("ul", "ol") and self.lists:
                self.lists.pop()

    def handle_data(self, data):
        self.pieces.append(data if self.pre else re.sub(r"\s+", " ", data))

    def _flush(self):
        text, self.pieces = "".join(self.pieces), []
        lines = text.split("\n") if self.pre else [line.strip() for line in text.split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if lines:
            indent = "    " * self.quote
            first, rest = self.marker, " " * len(self.marker)
            block = "\n".join(
                indent + (first if n == 0 else rest) + line for n, line in enumerate(lines)
            )
            self.blocks.append((block, self.tight))
        self.marker, self.tight = "", False

    def text(self) -> str:
        self.close()
        self._flush()
        out = ""
        for block, tight in self.blocks:
            if out:
                out += "\n" if tight else "\n\n"
            out += block
        return out


def markdown_text(text: str) -> str:
    """Markdown as a reader of the text part should see it: rendered through the sanitizer
    (what the HTML part shows), then read as plain text."""
    parser = _PlainText()
    parser.feed(render_markdown(text or ""))
    return parser.text()
