from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from .base import (
    MESSAGE_LENGTH,
    Timestamped,
    choices_constraint,
)
from .components import Component
from .incidents import IncidentStatus


class IncidentTemplate(Timestamped):
    """Prepared wording staff pick when opening an incident or posting an update."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    title = models.CharField(
        _("title"), max_length=255, help_text=_("The incident name it suggests.")
    )
    body = MarkdownxField(_("message"), help_text=_("Markdown."), max_length=MESSAGE_LENGTH)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    deliver_notifications = models.BooleanField(_("notify subscribers"), default=True)
    components = models.ManyToManyField(
        Component,
        blank=True,
        related_name="+",
        verbose_name=_("components"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("incident template")
        verbose_name_plural = _("incident templates")
        constraints = [
            choices_constraint("status", IncidentStatus, "incident_template_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:incidents_incidenttemplate_change", args=[self.pk])
