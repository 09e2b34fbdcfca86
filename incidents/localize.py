"""What a reader sees of a translatable text, in the active language: one helper for pages,
emails, feeds and the API, so they all agree.

Per field: the translation when there is one, else the English text marked as a fallback. A
shown translation says whether it is an unreviewed machine translation (the reader is told
English is authoritative) and whether the English changed since it was made (stale).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language

from .models import Translation, source_revision
from .models.translations import incident_of


class LocalizedText(str):
    """A text to show (a `str`), with where it came from."""

    language: str
    translated: bool  # a translation is shown
    fallback: bool  # another language was asked for and there is no translation: English
    machine: bool  # an unreviewed machine translation
    stale: bool  # the English text changed since this translation was made
    translation: Translation | None

    def __new__(cls, text: str, *, language: str, translation: Translation | None = None,
                fallback: bool = False, stale: bool = False):  # fmt: skip
        value = super().__new__(cls, text or "")
        value.language = language
        value.translation = translation
        value.translated = translation is not None
        value.fallback = fallback
        value.machine = bool(translation and translation.needs_disclaimer)
        value.stale = stale
        return value


def current_language() -> str:
    language = get_language() or settings.LANGUAGE_CODE
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def _index(holder, language: str) -> dict[tuple[int, int, str], Translation]:
    """The translations into `language` of `holder`'s texts: an incident's (its own, its
    updates', its postmortem's), or a component's or group's own. From the prefetched
    `translations` when there (one query per holder otherwise), kept on it for the request."""
    cache = holder.__dict__.setdefault("_translation_index", {})
    if language not in cache:
        cache[language] = {
            (row.content_type_id, row.object_id, row.field): row
            for row in holder.translations.all()
            if row.language == language
        }
    return cache[language]


def localized(obj: models.Model, field: str, language: str | None = None) -> LocalizedText:
    """`obj.field` in `language` (default: the active one), falling back to English."""
    language = language or current_language()
    english = getattr(obj, field) or ""
    if language == settings.LANGUAGE_CODE or not english.strip():
        return LocalizedText(english, language=settings.LANGUAGE_CODE)
    content_type = ContentType.objects.get_for_model(obj)
    holder = incident_of(obj) or obj
    row = _index(holder, language).get((content_type.pk, obj.pk, field))
    if row is None:
        return LocalizedText(english, language=settings.LANGUAGE_CODE, fallback=True)
    return LocalizedText(
        row.text,
        language=language,
        translation=row,
        stale=row.source_revision != source_revision(english),
    )


def translations_of(obj: models.Model, fields, languages) -> dict[str, dict[str, dict]]:
    """For the API: {language: {field: {text, machine, reviewed, stale}}}, translated fields
    only; English is never in it (the English fields stay where they are)."""
    found: dict[str, dict[str, dict]] = {}
    for language in languages:
        entries = {}
        for field in fields:
            text = localized(obj, field, language)
            if text.translated:
                entries[field] = {
                    "text": str(text),
                    "machine": text.translation.machine,
                    "reviewed": text.translation.reviewed_at is not None,
                    "stale": text.stale,
                }
        found[language] = entries
    return found


class PageNotes:
    """Collects what the texts shown on one page need to tell the reader."""

    def __init__(self):
        self.machine = self.stale = self.fallback = self.translated = False

    def add(self, text: LocalizedText) -> LocalizedText:
        self.machine |= text.machine
        self.stale |= text.stale
        self.fallback |= text.fallback
        self.translated |= text.translated
        return text
