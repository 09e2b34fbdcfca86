"""A real Chromium (Debian's package) driven by Playwright against a live test server.

Where Chromium is missing these tests are skipped, except under CI=true, where a missing
browser fails the run: CI installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..processes import missing

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the live server's database
    # access happens in its own thread, the test's own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


# The sizes pages are checked at: a laptop, and a phone (an iPhone 14's CSS pixels).
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _watched(context):
    """A page of `context` whose JavaScript errors fail the test."""
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser):
    yield from _watched(browser.new_context(viewport={"width": 1200, "height": 900}))


@pytest.fixture
def phone(browser):
    yield from _watched(browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True))
