"""Posting the admin's forms back as a browser would."""

from __future__ import annotations

import html as html_module
import re


def form_data(page, **changes) -> dict:
    """The console's update form as a browser would post it back: every field as shown
    (component choices and the hidden ones included), with `changes` (None drops a field)."""
    html = page.text[page.text.index('class="console-form"') :]
    html = html[: html.index("</form>")]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>\n(.*?)</textarea>', html, re.S):
        data[name] = html_module.unescape(text)
    data["deliver_notifications"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
