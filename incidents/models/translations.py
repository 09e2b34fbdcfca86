"""Translations of what staff write: one row per (object, field, language).

English is the source and authoritative. A translation records where it came from (a machine
translation, or a person) and which revision of the English text it was made from: a hash of
that text, so a translation is stale as soon as the English text no longer hashes the same.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .base import DOCUMENT_LENGTH, Timestamped
from .components import Component, ComponentGroup
from .incidents import Incident, IncidentUpdate
from .postmortems import Postmortem, RemediationItem

# What can be translated: the model's translatable fields, and whether they are Markdown.
TRANSLATABLE_FIELDS: dict[type[models.Model], dict[str, bool]] = {
    Incident: {"name": False, "summary": True},
    IncidentUpdate: {"body": True},
    Postmortem: {"root_cause": True, "resolution": True, "body": True},
    RemediationItem: {"description": True},
    ComponentGroup: {"name": False},
    Component: {"name": False, "description": False},
}


def source_revision(text: str) -> str:
    """The revision of an English text: a hash of it, whitespace at the ends ignored."""
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:32]


def incident_of(obj: models.Model) -> Incident | None:
    """The incident a translatable object belongs to; None for the texts of the page itself
    (component and group names and descriptions), which belong to no incident."""
    if isinstance(obj, Component | ComponentGroup):
        return None
    if isinstance(obj, Incident):
        return obj
    if isinstance(obj, IncidentUpdate | Postmortem):
        return obj.incident
    if isinstance(obj, RemediationItem):
        return obj.postmortem.incident
    raise TypeError(f"{type(obj).__name__} has nothing to translate")


class Translation(Timestamped):
    """One field of one object in one language."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    content_object = GenericForeignKey("content_type", "object_id")
    # The incident the text belongs to: a page loads all its translations in one query, and
    # deleting the incident deletes them. Component and group texts belong to no incident:
    # the status page prefetches them with the components (`Component.translations`).
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("incident"),
    )
    field = models.CharField(_("field"), max_length=64)
    language = models.CharField(_("language"), max_length=16)
    text = models.TextField(_("translation"), max_length=DOCUMENT_LENGTH)
    machine = models.BooleanField(
        _("machine translation"),
        default=False,
        help_text=_("Made by machine translation; readers are told the English is authoritative."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    source_revision = models.CharField(
        _("source revision"),
        max_length=64,
        help_text=_("A hash of the English text this translation was made from."),
    )

    class Meta:
        ordering = ["incident", "content_type", "object_id", "field", "language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "language"],
                name="translation_unique_field_language",
            ),
        ]
        indexes = [
            # A page in one language: every translation of one incident.
            models.Index(fields=["incident", "language"], name="translation_incident_lang"),
            # The admin's inline: the translations of one object.
            models.Index(fields=["content_type", "object_id"], name="translation_object"),
        ]

    def __str__(self) -> str:
        return f"{self.field} [{self.language}]"

    def get_absolute_url(self) -> str:
        with translation.override(self.language):
            if self.incident_id is None:  # a component's text: shown on the status page
                return reverse("incidents:status")
            return self.incident.get_absolute_url()

    @property
    def source_text(self) -> str:
        obj = self.content_object
        return getattr(obj, self.field, "") if obj is not None else ""

    @property
    def is_stale(self) -> bool:
        """The English text changed since this translation was made (or reviewed)."""
        return self.source_revision != source_revision(self.source_text)

    @property
    def needs_disclaimer(self) -> bool:
        """A machine translation nobody has reviewed."""
        return self.machine and self.reviewed_at is None
