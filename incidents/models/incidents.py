from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from .base import (
    MESSAGE_LENGTH,
    PublicIdField,
    Timestamped,
    choices_constraint,
)
from .components import Component, ComponentStatus

# Clocks differ by a few seconds between the staff's machine, an API client and the server.
CLOCK_SKEW = timedelta(minutes=1)


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFYING = "verifying", _("Verifying")
    COMPLETED = "completed", _("Completed")


class IncidentKind(models.TextChoices):
    """Statuspage tells scheduled maintenance as incidents with a window and their own statuses."""

    INCIDENT = "incident", _("Incident")
    MAINTENANCE = "maintenance", _("Scheduled maintenance")


# Every status an incident or a maintenance (and their updates) can be in.
ALL_STATUS_CHOICES = IncidentStatus.choices + MaintenanceStatus.choices
# Statuses in which an incident or maintenance holds its components in the status it set.
ACTIVE_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    MaintenanceStatus.IN_PROGRESS,
    MaintenanceStatus.VERIFYING,
)
FINISHED_STATUSES = (IncidentStatus.RESOLVED, MaintenanceStatus.COMPLETED)


def _status_matches_kind() -> Q:
    return Q(kind=IncidentKind.INCIDENT, status__in=IncidentStatus.values) | Q(
        kind=IncidentKind.MAINTENANCE, status__in=MaintenanceStatus.values
    )


class Impact(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")

    @classmethod
    def severity(cls, value: str) -> int:
        return list(cls.values).index(value)


class ReminderInterval(models.IntegerChoices):
    """When the next update is due after one (minutes): what an update may promise."""

    MINUTES_15 = 15, _("15 minutes")
    MINUTES_30 = 30, _("30 minutes")
    HOUR_1 = 60, _("1 hour")
    HOURS_2 = 120, _("2 hours")
    HOURS_4 = 240, _("4 hours")


def _interval_valid(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": ReminderInterval.values})


class IncidentQuerySet(models.QuerySet):
    def incidents(self):
        return self.filter(kind=IncidentKind.INCIDENT)

    def maintenances(self):
        return self.filter(kind=IncidentKind.MAINTENANCE)

    def open(self):
        """Unresolved incidents (maintenance excluded, as Statuspage's "unresolved")."""
        return self.incidents().exclude(status=IncidentStatus.RESOLVED)

    def upcoming(self):
        """Maintenance announced and not started yet."""
        return self.maintenances().filter(status=MaintenanceStatus.SCHEDULED)

    def active_maintenance(self):
        return self.maintenances().filter(
            status__in=[MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING]
        )

    def past(self):
        """Resolved incidents and completed maintenance: what `/history/` lists."""
        return self.filter(status__in=FINISHED_STATUSES)

    def drafts(self):
        return self.filter(draft=True)


class PublishedIncidentManager(models.Manager.from_queryset(IncidentQuerySet)):
    """`Incident.objects`: every incident but drafts. A draft is for staff until someone posts
    its first update, so no read of the pages, the feeds or the APIs can list one by
    accident; what staff work on uses `Incident.with_drafts`."""

    def get_queryset(self):
        return super().get_queryset().filter(draft=False)


class Incident(Timestamped):
    """Something that went wrong, told to customers through a timeline of updates.

    `started_at` and `resolved_at` bound the impact window: when customers were affected,
    which need not match when updates were posted.
    """

    public_id = PublicIdField()
    kind = models.CharField(
        _("kind"), max_length=16, choices=IncidentKind.choices, default=IncidentKind.INCIDENT
    )
    name = models.CharField(_("name"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=ALL_STATUS_CHOICES,
        default=IncidentStatus.INVESTIGATING,
    )
    impact = models.CharField(
        _("impact"),
        max_length=16,
        choices=Impact.choices,
        default=Impact.NONE,
        help_text=_("The worst component status it caused, or the override."),
    )
    impact_override = models.CharField(
        _("impact override"),
        max_length=16,
        choices=Impact.choices,
        blank=True,
        default="",
        help_text=_("Leave empty to follow the components."),
    )
    summary = MarkdownxField(
        _("summary"),
        blank=True,
        max_length=MESSAGE_LENGTH,
        help_text=_("Markdown. What happened, to whom, and for how long."),
    )
    started_at = models.DateTimeField(_("impact started at"))
    resolved_at = models.DateTimeField(_("impact ended at"), null=True, blank=True)
    monitoring_at = models.DateTimeField(_("monitoring since"), null=True, blank=True)
    backfilled = models.BooleanField(
        _("backfilled"), default=False, help_text=_("Recorded after the fact.")
    )
    # Scheduled maintenance only (named as Statuspage names them).
    scheduled_for = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    scheduled_until = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    scheduled_auto_in_progress = models.BooleanField(
        _("start automatically"),
        default=True,
        help_text=_("Move to “In progress” at the scheduled start."),
    )
    scheduled_auto_completed = models.BooleanField(
        _("complete automatically"),
        default=True,
        help_text=_("Move to “Completed” at the scheduled end."),
    )
    scheduled_remind_prior = models.BooleanField(
        _("remind before the start"),
        default=True,
        help_text=_("Send a reminder shortly before the start (see STATUS_MAINTENANCE_REMINDER)."),
    )
    scheduled_reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # Whether subscribers hear of the start and the end the scheduler makes on its own.
    scheduled_notify_at_start = models.BooleanField(_("notify when it starts"), default=True)
    scheduled_notify_at_end = models.BooleanField(_("notify when it completes"), default=True)
    reminder_interval = models.PositiveSmallIntegerField(
        _("reminder interval"),
        choices=ReminderInterval.choices,
        null=True,
        blank=True,
        help_text=_("When each update promises the next one, unless it says otherwise."),
    )
    # What Statuspage's clients attach (e.g. {"jira": {"issue_id": "OPS-1"}}), kept and
    # returned as given; and their tweet settings, kept and echoed (nothing is tweeted).
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    tweet_settings = models.JSONField(_("tweet settings"), default=dict, blank=True)
    components = models.ManyToManyField(
        Component,
        through="IncidentComponent",
        related_name="incidents",
        verbose_name=_("affected components"),
    )
    # Opened by monitoring for staff (incidents.monitoring): not public, nobody notified, and
    # it holds no component, until a person posts its first update (which publishes it).
    # Staff-only, so its words are not translated.
    draft = models.BooleanField(
        "draft",
        default=False,
        editable=False,
        help_text=(
            "Prepared from an alert. Not on the status page and nobody is notified until "
            "someone posts its first update."
        ),
    )

    objects = PublishedIncidentManager()
    with_drafts = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            choices_constraint("kind", IncidentKind, "incident_kind_valid"),
            models.CheckConstraint(
                condition=_interval_valid("reminder_interval"),
                name="incident_reminder_interval_valid",
            ),
            models.CheckConstraint(
                condition=_status_matches_kind(),
                name="incident_status_valid",
                violation_error_message=_("The status does not fit an incident of this kind."),
            ),
            choices_constraint("impact", Impact, "incident_impact_valid"),
            models.CheckConstraint(
                condition=models.Q(impact_override__in=[*Impact.values, ""]),
                name="incident_impact_override_valid",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("started_at")),
                name="incident_resolved_after_start",
                violation_error_message=_("The impact cannot end before it started."),
            ),
            models.CheckConstraint(
                condition=Q(draft=False) | Q(kind=IncidentKind.INCIDENT, resolved_at__isnull=True),
                name="incident_draft_open_incident",
                violation_error_message="Only an open incident can be a draft.",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind=IncidentKind.INCIDENT,
                    scheduled_for__isnull=True,
                    scheduled_until__isnull=True,
                )
                | Q(
                    kind=IncidentKind.MAINTENANCE,
                    scheduled_for__isnull=False,
                    scheduled_until__gt=F("scheduled_for"),
                ),
                name="incident_maintenance_window",
                violation_error_message=_(
                    "A maintenance needs a window that ends after it starts; "
                    "an incident has no window."
                ),
            ),
        ]
        indexes = [
            # The status page's "open incidents" and "recent incidents" lists.
            models.Index(fields=["status", "-started_at"], name="incident_status_started"),
            # The scheduler's due maintenance and the page's upcoming list.
            models.Index(
                fields=["kind", "status", "scheduled_for"], name="incident_kind_status_sched"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident", args=[self.public_id])

    def clean(self) -> None:
        if not isinstance(self.metadata, dict) or not isinstance(self.tweet_settings, dict):
            raise ValidationError({"metadata": _("Metadata is a JSON object.")})
        # An incident's impact has happened: it cannot start later than now (give or take the
        # clocks of the staff's machine and an API client). A maintenance starts when planned.
        if (
            not self.is_maintenance
            and self.started_at
            and self.started_at > timezone.now() + CLOCK_SKEW
        ):
            raise ValidationError({"started_at": _("The impact cannot start in the future.")})
        if self.is_open and self.resolved_at is not None:
            raise ValidationError(
                {"resolved_at": _("An open incident has no end yet; resolve it with an update.")}
            )
        if not self.is_open and self.resolved_at is None:
            raise ValidationError({"resolved_at": _("A resolved incident needs an end time.")})
        if self.is_maintenance and (
            self.scheduled_for is None
            or self.scheduled_until is None
            or self.scheduled_until <= self.scheduled_for
        ):
            raise ValidationError(
                {"scheduled_until": _("The maintenance must end after it starts.")}
            )

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED_STATUSES

    @property
    def is_maintenance(self) -> bool:
        return self.kind == IncidentKind.MAINTENANCE

    @property
    def holds_components(self) -> bool:
        """Whether the components are in the status this incident or maintenance set (a
        draft holds none: monitoring moves them until a person publishes it)."""
        return self.status in ACTIVE_STATUSES and not self.draft

    @property
    def next_update_by(self) -> datetime | None:
        """When the next update is promised: by the latest update, while the incident is open.

        Reads the updates as prefetched (no query when they are)."""
        if not self.is_open or self.is_maintenance:
            return None
        updates = list(self.updates.all())
        if not updates:
            return None
        return max(updates, key=lambda u: (u.display_at, u.created_at)).next_update_by


class MaintenanceManager(models.Manager.from_queryset(IncidentQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=IncidentKind.MAINTENANCE)


class Maintenance(Incident):
    """Scheduled maintenance: an `Incident` of kind "maintenance", with its own admin.

    The window is `scheduled_for`..`scheduled_until`; `started_at`/`resolved_at` record when it
    really started and completed.
    """

    objects = MaintenanceManager()

    class Meta:
        proxy = True
        verbose_name = _("scheduled maintenance")
        verbose_name_plural = _("scheduled maintenance")


class IncidentComponentQuerySet(models.QuerySet):
    def holding(self, component):
        """The rows by which open incidents and running maintenance hold `component` (an
        instance or its pk): people's hold on its status. Drafts hold nothing."""
        return self.filter(
            component=component, incident__status__in=ACTIVE_STATUSES, incident__draft=False
        )


class IncidentComponent(models.Model):
    """A component an incident affects, and the status the incident put it in."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="affected", verbose_name=_("incident")
    )
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="+", verbose_name=_("component")
    )
    status = models.CharField(_("status"), max_length=32, choices=ComponentStatus.choices)

    objects = IncidentComponentQuerySet.as_manager()

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
    status = models.CharField(_("status"), max_length=32, choices=ALL_STATUS_CHOICES)
    body = MarkdownxField(_("message"), help_text=_("Markdown."), max_length=MESSAGE_LENGTH)
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
    # The promise of the next update: in how many minutes, and by when (from `display_at`).
    next_update_in = models.PositiveSmallIntegerField(
        _("next update in"), choices=ReminderInterval.choices, null=True, blank=True
    )
    next_update_by = models.DateTimeField(
        _("next update by"), null=True, blank=True, editable=False
    )
    # When staff were reminded that the promise passed with no newer update (once).
    reminder_sent_at = models.DateTimeField(
        _("reminder sent at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["display_at", "created_at"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _label in ALL_STATUS_CHOICES]),
                name="update_status_valid",
            ),
            models.CheckConstraint(
                condition=_interval_valid("next_update_in")
                & (
                    Q(next_update_in__isnull=True, next_update_by__isnull=True)
                    | Q(next_update_in__isnull=False, next_update_by__isnull=False)
                ),
                name="update_next_update_valid",
            ),
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
