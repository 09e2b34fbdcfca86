"""Every catalog is complete: each string of the pages and emails is translated (not fuzzy,
placeholders intact) in every language, and the catalogs are up to date with the code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation import to_locale

from ..processes import missing

ROOT = Path(settings.BASE_DIR)
LOCALES = [to_locale(code) for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%s|%d")


def catalog(locale: str, root: Path = ROOT):
    path = root / "locale" / locale / "LC_MESSAGES" / "django.po"
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def problems(cat) -> list[str]:
    found = []
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            found.append(f"untranslated: {message.id!r}")
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated_and_none_is_fuzzy(locale):
    assert problems(catalog(locale)) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    cat = catalog(locale)
    for message in cat:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            expected = sorted(PLACEHOLDER.findall(source))
            assert sorted(PLACEHOLDER.findall(text)) == expected, (message.id, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_catalog_is_a_copy_of_the_english(locale):
    cat = catalog(locale)
    copies = [m.id for m in cat if m.id and isinstance(m.id, str) and m.string == m.id]
    # Brand-like words (Markdown, Postmortem) may stay; whole sentences may not.
    assert [c for c in copies if len(c.split()) > 2] == []


def test_catalogs_are_up_to_date_with_the_code(tmp_path):
    """`makemessages` over a copy of the project finds no string the catalogs lack: a string
    added to the code without its translations fails here."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        missing("GNU gettext is missing (apt-get install gettext)")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "staticfiles", "__pycache__", "*.mo", "db.sqlite3*",
            ".pytest_cache", ".ruff_cache", "*.egg-info", "node_modules",
        ),
    )  # fmt: skip
    env = {**os.environ, "DEBUG": "true", "SECRET_KEY": "catalog-check"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "updatemessages", "--verbosity", "0"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for locale in LOCALES:
        assert problems(catalog(locale, copy)) == [], (
            f"run `make messages` and translate ({locale})"
        )
        before = {m.id for m in catalog(locale) if m.id}
        after = {m.id for m in catalog(locale, copy) if m.id}
        assert after == before, f"catalog {locale} differs from the code: run `make messages`"
