from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from .base import PublicIdField, Timestamped, choices_constraint
from .components import Component, ComponentStatus


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class Impact(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")

    @classmethod
    def severity(cls, value: str) -> int:
        return list(cls.values).index(value)


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=IncidentStatus.RESOLVED)

    def closed(self):
        return self.filter(status=IncidentStatus.RESOLVED)


class Incident(Timestamped):
    """Something that went wrong, told to customers through a timeline of updates.

    `started_at` and `resolved_at` bound the impact window: when customers were affected,
    which need not match when updates were posted.
    """

    public_id = PublicIdField()
    name = models.CharField(_("name"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    impact = models.CharField(
        _("impact"), max_length=16, choices=Impact.choices, default=Impact.MINOR
    )
    summary = MarkdownxField(
        _("summary"),
        blank=True,
        help_text=_("Markdown. What happened, to whom, and for how long."),
    )
    started_at = models.DateTimeField(_("impact started at"))
    resolved_at = models.DateTimeField(_("impact ended at"), null=True, blank=True)
    monitoring_at = models.DateTimeField(_("monitoring since"), null=True, blank=True)
    backfilled = models.BooleanField(
        _("backfilled"), default=False, help_text=_("Recorded after the fact.")
    )
    components = models.ManyToManyField(
        Component,
        through="IncidentComponent",
        related_name="incidents",
        verbose_name=_("affected components"),
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            choices_constraint("status", IncidentStatus, "incident_status_valid"),
            choices_constraint("impact", Impact, "incident_impact_valid"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("started_at")),
                name="incident_resolved_after_start",
                violation_error_message=_("The impact cannot end before it started."),
            ),
        ]
        indexes = [
            # The status page's "open incidents" and "recent incidents" lists.
            models.Index(fields=["status", "-started_at"], name="incident_status_started"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident", args=[self.public_id])

    def clean(self) -> None:
        if self.is_open and self.resolved_at is not None:
            raise ValidationError(
                {"resolved_at": _("An open incident has no end yet; resolve it with an update.")}
            )
        if not self.is_open and self.resolved_at is None:
            raise ValidationError({"resolved_at": _("A resolved incident needs an end time.")})

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED


class IncidentComponent(models.Model):
    """A component an incident affects, and the status the incident put it in."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="affected", verbose_name=_("incident")
    )
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="+", verbose_name=_("component")
    )
    status = models.CharField(_("status"), max_length=32, choices=ComponentStatus.choices)

    class Meta:
        ordering = ["component__group__position", "component__position", "component__name"]
        verbose_name = _("affected component")
        verbose_name_plural = _("affected components")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "component"], name="incident_component_unique"
            ),
            choices_constraint("status", ComponentStatus, "incident_component_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.get_status_display()}"


class IncidentUpdate(Timestamped):
    """One entry of an incident's timeline."""

    public_id = PublicIdField()
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="updates", verbose_name=_("incident")
    )
    status = models.CharField(_("status"), max_length=32, choices=IncidentStatus.choices)
    body = MarkdownxField(_("message"), help_text=_("Markdown."))
    display_at = models.DateTimeField(_("shown at"))
    deliver_notifications = models.BooleanField(_("notify subscribers"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )

    class Meta:
        ordering = ["display_at", "created_at"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        constraints = [
            choices_constraint("status", IncidentStatus, "update_status_valid"),
        ]
        indexes = [
            # An incident's timeline, oldest first.
            models.Index(fields=["incident", "display_at"], name="update_incident_display"),
        ]

    def __str__(self) -> str:
        return f"{self.incident}: {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return f"{self.incident.get_absolute_url()}#update-{self.public_id}"


class UpdateComponentChange(models.Model):
    """A component status changed by an update (old → new)."""

    update = models.ForeignKey(
        IncidentUpdate,
        on_delete=models.CASCADE,
        related_name="component_changes",
        verbose_name=_("update"),
    )
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="+", verbose_name=_("component")
    )
    old_status = models.CharField(_("old status"), max_length=32, choices=ComponentStatus.choices)
    new_status = models.CharField(_("new status"), max_length=32, choices=ComponentStatus.choices)

    class Meta:
        verbose_name = _("component change")
        verbose_name_plural = _("component changes")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "component"], name="update_component_change_unique"
            ),
            choices_constraint("old_status", ComponentStatus, "change_old_status_valid"),
            choices_constraint("new_status", ComponentStatus, "change_new_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.old_status} → {self.new_status}"
