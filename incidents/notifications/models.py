"""Subscribers, the notifications sent to them, and one delivery row per recipient."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from incidents.models import Component, Incident, IncidentUpdate
from incidents.models.base import PublicIdField, Timestamped, choices_constraint


def new_key() -> str:
    return secrets.token_urlsafe(12)


class SubscriberState(models.TextChoices):
    PENDING = "pending", _("Pending confirmation")
    ACTIVE = "active", _("Active")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    DISABLED = "disabled", _("Disabled (webhook failing)")


class SubscriberMode(models.TextChoices):
    """How a subscriber hears of things; the names are Statuspage's subscriber `mode`s."""

    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscriber(Timestamped):
    """Someone who asked for email about incidents and maintenance, or a URL that receives
    them as signed webhooks (created by staff; no double opt-in).

    They hear of what touches the components they follow (all of them when they follow
    none), plus the single incidents they follow; `incidents_only` narrows them to the latter.
    """

    public_id = PublicIdField()
    mode = models.CharField(
        _("mode"), max_length=16, choices=SubscriberMode.choices, default=SubscriberMode.EMAIL
    )
    email = models.EmailField(
        _("email"), max_length=254, blank=True, help_text=_("Stored in lower case.")
    )
    endpoint = models.URLField(
        _("webhook URL"),
        max_length=2000,
        blank=True,
        help_text=_("Webhook subscribers only: where the JSON payloads are POSTed."),
    )
    webhook_secret = models.CharField(
        _("signing secret"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Webhook subscribers only: signs every payload; shown once, at creation."),
    )
    webhook_failures = models.PositiveIntegerField(
        _("consecutive failures"),
        default=0,
        help_text=_("Webhook attempts in a row that got no 2xx answer; a success resets it."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("why disabled"), blank=True)
    language = models.CharField(_("language"), max_length=16, default="en")
    state = models.CharField(
        _("state"), max_length=16, choices=SubscriberState.choices, default=SubscriberState.PENDING
    )
    components = models.ManyToManyField(
        Component,
        blank=True,
        related_name="subscribers",
        verbose_name=_("components"),
        help_text=_("None means all components."),
    )
    incidents = models.ManyToManyField(
        Incident,
        blank=True,
        related_name="followers",
        verbose_name=_("followed incidents"),
        help_text=_("Single incidents followed to the end, postmortem included."),
    )
    incidents_only = models.BooleanField(
        _("only the followed incidents"),
        default=False,
        help_text=_("Hear of the followed incidents only, not of the components."),
    )
    link_key = models.CharField(
        _("link key"),
        max_length=32,
        default=new_key,
        editable=False,
        help_text=_("Part of every manage and unsubscribe link; changing it voids them."),
    )
    confirm_nonce = models.CharField(
        _("confirmation nonce"),
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("Part of the pending confirmation link; cleared once used."),
    )
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    welcome_sent_at = models.DateTimeField(_("welcome mail sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        ordering = ["email", "endpoint"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            choices_constraint("state", SubscriberState, "subscriber_state_valid"),
            choices_constraint("mode", SubscriberMode, "subscriber_mode_valid"),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(mode=SubscriberMode.EMAIL),
                name="subscriber_email_unique",
                violation_error_message=_("This address is already subscribed."),
            ),
            models.UniqueConstraint(
                fields=["endpoint"],
                condition=Q(mode=SubscriberMode.WEBHOOK) & ~Q(state=SubscriberState.UNSUBSCRIBED),
                name="subscriber_endpoint_unique",
                violation_error_message=_("This URL already receives webhooks."),
            ),
            models.CheckConstraint(
                condition=Q(mode=SubscriberMode.EMAIL, endpoint="") & ~Q(email="")
                | Q(mode=SubscriberMode.WEBHOOK, email="")
                & ~Q(endpoint="")
                & ~Q(webhook_secret=""),
                name="subscriber_mode_fields",
                violation_error_message=_(
                    "An email subscriber has an address; a webhook subscriber a URL and a secret."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(email__contains="\n") & ~Q(email__contains="\r"),
                name="subscriber_email_single_line",
                violation_error_message=_("An address is a single line."),
            ),
        ]
        indexes = [
            # The audience query: the active subscribers (then narrowed by components).
            models.Index(fields=["state"], name="subscriber_state"),
        ]

    def __str__(self) -> str:
        return self.endpoint if self.is_webhook else self.email

    def get_absolute_url(self) -> str:
        return reverse("admin:notifications_subscriber_change", args=[self.pk])

    @property
    def is_webhook(self) -> bool:
        return self.mode == SubscriberMode.WEBHOOK


class NotificationKind(models.TextChoices):
    INCIDENT_CREATED = "incident_created", _("New incident")
    INCIDENT_UPDATED = "incident_updated", _("Incident update")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
    POSTMORTEM_PUBLISHED = "postmortem_published", _("Postmortem published")
    MAINTENANCE_SCHEDULED = "maintenance_scheduled", _("Maintenance scheduled")
    MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder")
    MAINTENANCE_STARTED = "maintenance_started", _("Maintenance started")
    MAINTENANCE_COMPLETED = "maintenance_completed", _("Maintenance completed")


class NotificationState(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a manager's approval")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")
    STOPPED = "stopped", _("Stopped")
    CANCELLED = "cancelled", _("Discarded")


class Notification(models.Model):
    """One email to send about one event (an update, a postmortem, a maintenance step).

    Recorded with the event, in its transaction; nothing goes out until staff have seen the
    audience and confirmed it (and a manager approved it, when the audience is wide). The
    components are a snapshot taken when it was recorded, so the preview and the send agree.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    state = models.CharField(
        _("state"),
        max_length=32,
        choices=NotificationState.choices,
        default=NotificationState.AWAITING_CONFIRMATION,
    )
    title = models.CharField(_("title"), max_length=255)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("incident"),
    )
    update = models.ForeignKey(
        IncidentUpdate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("update"),
    )
    # A postmortem or a maintenance event, whatever model holds it.
    source_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    components = models.ManyToManyField(
        Component,
        blank=True,
        related_name="+",
        verbose_name=_("components"),
        help_text=_("The components it concerns, as they were when it was recorded."),
    )
    thread_key = models.CharField(
        _("thread"), max_length=64, help_text=_("Mails with the same key form one thread.")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_count = models.PositiveIntegerField(
        _("confirmed audience"),
        null=True,
        blank=True,
        help_text=_("The number of recipients staff saw when they confirmed."),
    )
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    approval_reasons = models.JSONField(_("why approval is needed"), default=list, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("audience frozen at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stopped by"),
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        permissions = [
            ("send_notification", _("Can review an audience and start a send")),
            ("approve_notification", _("Can approve a wide send")),
            ("stop_notification", _("Can stop a send")),
        ]
        constraints = [
            choices_constraint("kind", NotificationKind, "notification_kind_valid"),
            choices_constraint("state", NotificationState, "notification_state_valid"),
        ]
        indexes = [
            # The sweep: notifications still queued or sending.
            models.Index(fields=["state", "created_at"], name="notification_state_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("admin:notifications_notification_change", args=[self.pk])


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Delivery(models.Model):
    """One notification to one subscriber: written when the audience is frozen, sent once."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscriber"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # A webhook delivery is several POSTs (the incident, then each component change); a retry
    # resumes after the ones the endpoint already acknowledged.
    posted = models.PositiveSmallIntegerField(
        _("webhook events acknowledged"), default=0, db_default=0
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "subscriber"], name="delivery_once_per_subscriber"
            ),
            choices_constraint("state", DeliveryState, "delivery_state_valid"),
        ]
        indexes = [
            # The claim: queued deliveries of one notification that are due.
            models.Index(
                fields=["notification", "state", "next_attempt_at"], name="delivery_claim"
            ),
            # The sweep: deliveries stuck in "sending" since before a cut-off.
            models.Index(fields=["state", "claimed_at"], name="delivery_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.subscriber_id}: {self.state}"
