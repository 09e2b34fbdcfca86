from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from .base import (
    DESCRIPTION_LENGTH,
    DOCUMENT_LENGTH,
    Timestamped,
    choices_constraint,
)
from .incidents import Incident


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RemediationState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Postmortem(Timestamped):
    """What we learned from an incident, in sections; written as a draft, published on purpose.

    Only a published postmortem is public. `published_at` and `published_by` record who made it
    public and when; reverting to draft clears them.
    """

    incident = models.OneToOneField(
        Incident,
        on_delete=models.CASCADE,
        related_name="postmortem",
        verbose_name=_("incident"),
        limit_choices_to={"kind": "incident"},
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT
    )
    root_cause = MarkdownxField(
        _("root cause analysis"),
        blank=True,
        max_length=DOCUMENT_LENGTH,
        help_text=_("Markdown. Why it happened."),
    )
    resolution = MarkdownxField(
        _("resolution"),
        blank=True,
        max_length=DOCUMENT_LENGTH,
        help_text=_("Markdown. How the impact was ended."),
    )
    body = MarkdownxField(
        _("further details"),
        blank=True,
        max_length=DOCUMENT_LENGTH,
        help_text=_("Markdown. Optional: anything the sections above do not cover."),
    )
    show_pending = models.BooleanField(
        _("announce a pending postmortem"),
        default=True,
        help_text=_("While this is a draft, the incident page says a postmortem will follow."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("postmortem")
        verbose_name_plural = _("postmortems")
        permissions = [("publish_postmortem", _("Can publish a postmortem or revert it to draft"))]
        constraints = [
            choices_constraint("status", PostmortemStatus, "postmortem_status_valid"),
            models.CheckConstraint(
                condition=Q(status=PostmortemStatus.DRAFT, published_at__isnull=True)
                | Q(status=PostmortemStatus.PUBLISHED, published_at__isnull=False),
                name="postmortem_published_at_matches_status",
                violation_error_message=_("A published postmortem records when it was published."),
            ),
        ]

    def __str__(self) -> str:
        return _("Postmortem: %(incident)s") % {"incident": self.incident}

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url() + "#postmortem"

    @property
    def is_published(self) -> bool:
        return self.status == PostmortemStatus.PUBLISHED

    @property
    def is_empty(self) -> bool:
        return not any(text.strip() for text in (self.root_cause, self.resolution, self.body))


class RemediationItem(Timestamped):
    """One thing we will do so that it does not happen again, in the postmortem's order."""

    postmortem = models.ForeignKey(
        Postmortem,
        on_delete=models.CASCADE,
        related_name="remediation_items",
        verbose_name=_("postmortem"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.TextField(
        _("description"), help_text=_("Markdown."), max_length=DESCRIPTION_LENGTH
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RemediationState.choices,
        default=RemediationState.PLANNED,
    )
    owner = models.CharField(
        _("owner"), max_length=255, blank=True, help_text=_("Optional: the team that owns it.")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("remediation item")
        verbose_name_plural = _("remediation items")
        constraints = [
            choices_constraint("state", RemediationState, "remediation_state_valid"),
        ]
        indexes = [
            # A postmortem's items, in order.
            models.Index(fields=["postmortem", "position"], name="remediation_postmortem_pos"),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return self.postmortem.get_absolute_url()
