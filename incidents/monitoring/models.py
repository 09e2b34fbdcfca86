"""Monitoring integrations: who may post alerts to `POST /hooks/<secret>/`, the alerts they
sent, and the component changes waiting for the alerts to settle.

Staff-only: the words here are plain English (the admin is never translated).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from incidents.models import Component, ComponentStatus, Incident, IncidentTemplate
from incidents.models.base import PublicIdField, Timestamped, choices_constraint

# Seconds an automated component change waits for its alerts to settle, at most (a day).
MAX_FLAP_INTERVAL = 86_400
# Minutes a heartbeat may be awaited, at most (a week).
MAX_HEARTBEAT_MINUTES = 7 * 24 * 60


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana alerting"
    GENERIC = "generic", "Generic JSON"


def default_severity_map() -> dict[str, str]:
    return {
        "critical": ComponentStatus.MAJOR_OUTAGE.value,
        "warning": ComponentStatus.PARTIAL_OUTAGE.value,
        "info": ComponentStatus.DEGRADED_PERFORMANCE.value,
    }


class Integration(Timestamped):
    """A monitoring system that posts its alerts to its own URL, `/hooks/<secret>/`.

    Only a hash of the secret is stored (the URL is shown once, when it is made); a request
    is matched by the hash of the secret in its path.
    """

    public_id = PublicIdField(verbose_name="id")
    name = models.CharField("name", max_length=255)
    kind = models.CharField("kind", max_length=16, choices=IntegrationKind.choices)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    update_components = models.BooleanField(
        "update components",
        default=True,
        help_text="Firing alerts set their components' status (unless an open incident or a "
        "running maintenance holds them).",
    )
    open_draft_incident = models.BooleanField(
        "open draft incidents",
        default=True,
        help_text="An alert firing on a component no incident is open on opens a draft "
        "incident for staff. Nothing is published or sent until someone posts it.",
    )
    component_label = models.CharField(
        "component label",
        max_length=100,
        default="component",
        help_text="The alert label naming the component (its id or its name).",
    )
    severity_map = models.JSONField(
        "severity map",
        default=default_severity_map,
        help_text='The component status of each value of the "severity" label, e.g. '
        '{"critical": "major_outage", "warning": "partial_outage"}.',
    )
    flap_interval_s = models.PositiveIntegerField(
        "flap interval (seconds)",
        default=300,
        validators=[MaxValueValidator(MAX_FLAP_INTERVAL)],
        help_text="An automated component change waits this long for its alerts to settle: "
        "an alert that fires and resolves within it changes nothing public. 0: at once.",
    )
    heartbeat_minutes = models.PositiveIntegerField(
        "heartbeat (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HEARTBEAT_MINUTES)],
        help_text="Warn staff when nothing arrives for this long (Alertmanager's always-"
        "firing Watchdog alert counts). Empty: no heartbeat.",
    )
    template = models.ForeignKey(
        IncidentTemplate,
        verbose_name="incident template",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The name and first message suggested for its draft incidents.",
    )
    last_received_at = models.DateTimeField("last payload at", null=True, editable=False)
    last_error = models.TextField("last refusal", blank=True, editable=False)
    last_error_at = models.DateTimeField("last refusal at", null=True, editable=False)
    # When staff were warned of the current silence (once per silence; a payload clears it).
    silence_warned_at = models.DateTimeField("silence reported at", null=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "monitoring integration"
        verbose_name_plural = "monitoring integrations"
        constraints = [
            choices_constraint("kind", IntegrationKind, "integration_kind_valid"),
            models.CheckConstraint(
                condition=Q(flap_interval_s__lte=MAX_FLAP_INTERVAL),
                name="integration_flap_interval_valid",
            ),
            models.CheckConstraint(
                condition=Q(heartbeat_minutes__isnull=True)
                | Q(heartbeat_minutes__gte=1, heartbeat_minutes__lte=MAX_HEARTBEAT_MINUTES),
                name="integration_heartbeat_valid",
            ),
        ]
        indexes = [
            # The heartbeat check: integrations expecting a heartbeat, not warned yet.
            models.Index(
                fields=["heartbeat_minutes", "silence_warned_at"], name="integration_heartbeat"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:monitoring_integration_change", args=[self.pk])


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AlertState(models.Model):
    """The last word of one alert (an integration's fingerprint): the component it names,
    the status it holds that component in while firing, and a digest of what was received,
    so that a payload sent again changes nothing twice."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="alerts", verbose_name="integration"
    )
    fingerprint = models.CharField("fingerprint", max_length=255)
    alertname = models.CharField("alert name", max_length=255, blank=True)
    summary = models.TextField("summary", blank=True, max_length=2_000)
    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="+", verbose_name="component"
    )
    status = models.CharField("component status", max_length=32, choices=ComponentStatus.choices)
    state = models.CharField("state", max_length=16, choices=AlertStatus.choices)
    started_at = models.DateTimeField("started at")
    ended_at = models.DateTimeField("ended at", null=True, blank=True)
    digest = models.CharField("payload digest", max_length=64)
    received_at = models.DateTimeField("last received at")
    changed_at = models.DateTimeField("state changed at")
    # The draft incident this alert opened, if any (the banner links it, with the template).
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="draft incident",
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "alert"
        verbose_name_plural = "alerts"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "fingerprint"], name="alert_state_fingerprint_unique"
            ),
            choices_constraint("state", AlertStatus, "alert_state_state_valid"),
            choices_constraint("status", ComponentStatus, "alert_state_status_valid"),
        ]
        indexes = [
            # What automation holds a component in: its firing alerts.
            models.Index(fields=["component", "state"], name="alert_state_component"),
        ]

    def __str__(self) -> str:
        return f"{self.alertname or self.fingerprint} ({self.get_state_display()})"

    @property
    def firing(self) -> bool:
        return self.state == AlertStatus.FIRING


class PendingChange(models.Model):
    """A component status automation wants and has not applied yet: it is applied once
    `apply_at` passes if the alerts still want it (see `services.alerts`)."""

    component = models.OneToOneField(
        Component, on_delete=models.CASCADE, related_name="+", verbose_name="component"
    )
    status = models.CharField("wanted status", max_length=32, choices=ComponentStatus.choices)
    since = models.DateTimeField("wanted since")
    apply_at = models.DateTimeField("applied at the earliest at")
    # The alert that asked for it, as the audit log records the change.
    cause = models.JSONField("cause", default=dict)

    class Meta:
        ordering = ["apply_at", "pk"]
        verbose_name = "pending component change"
        verbose_name_plural = "pending component changes"
        constraints = [
            choices_constraint("status", ComponentStatus, "pending_change_status_valid"),
        ]
        indexes = [
            # The settle task: the changes due now.
            models.Index(fields=["apply_at"], name="pending_change_due"),
        ]

    def __str__(self) -> str:
        return f"{self.component}: {self.status} after {self.apply_at:%H:%M:%S}"
