"""The staff side of notifications: review an audience, confirm, approve, stop, report.

Every change goes through a service; this module only reads and routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incidents.admin.mixins import ReadOnlyMixin, admin_change_url

from . import progress
from .emails import render_notification
from .forms import WebhookSubscriberForm
from .models import Delivery, DeliveryState, Notification, NotificationState, Subscriber
from .selectors import WAITING_STATES, waiting_notifications
from .services import notifications as service
from .services import subscribers as subscriber_service
from .services import webhooks as webhook_service
from .services.audience import summarize

REVIEWABLE = WAITING_STATES
SEND_PERMISSION = "notifications.send_notification"
APPROVE_PERMISSION = "notifications.approve_notification"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "state", "created_at", "recipients", "report"]
    list_filter = ["state", "kind"]
    search_fields = ["title"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # The report column's counts, in the changelist's one query rather than one per row.
        def count(*states):
            return Count("deliveries", filter=Q(deliveries__state__in=states))

        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=count(DeliveryState.SENT),
                failed_count=count(DeliveryState.FAILED),
                pending_count=count(DeliveryState.QUEUED, DeliveryState.SENDING),
            )
        )

    @admin.display(description=_("Sent / failed / pending"))
    def report(self, obj):
        if obj.recipients is None:
            return "—"
        return f"{obj.sent_count} / {obj.failed_count} / {obj.pending_count}"

    def get_urls(self):
        return [
            path(
                "<int:notification_id>/progress/",
                self.admin_site.admin_view(progress.notification_progress),
                name="notifications_notification_progress",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        notification = get_object_or_404(
            Notification.objects.select_related("incident", "update"), pk=object_id
        )
        if request.method == "POST":
            return self._act(request, notification)
        return self._review(request, notification)

    def _act(self, request, notification):
        action = request.POST.get("action")
        try:
            expected = int(request.POST.get("expected_count", "-1"))
        except ValueError:
            expected = -1
        user = request.user
        try:
            if action == "confirm":
                notification, summary = service.notification_confirm(
                    notification, actor=user, expected_count=expected
                )
                if notification.state == NotificationState.AWAITING_APPROVAL:
                    self.message_user(
                        request,
                        "Confirmed. This audience needs an incident manager's approval; "
                        "nothing is sent until then.",
                        messages.WARNING,
                    )
                else:
                    self.message_user(request, _sending_to(summary.total))
            elif action == "approve":
                notification, summary = service.notification_approve(
                    notification, actor=user, expected_count=expected
                )
                self.message_user(request, f"Approved. {_sending_to(summary.total)}")
            elif action == "stop":
                service.notification_stop(notification, actor=user)
                self.message_user(request, "Stopped. Nothing more will be sent.")
            else:
                raise ValidationError("Unknown action.")
        except ValidationError as error:
            # A second click (or a colleague's) on a step already taken changes nothing: say
            # where the send is rather than report a failure.
            notification.refresh_from_db()
            done = _already_done(action, notification)
            if done:
                self.message_user(request, done, messages.INFO)
            else:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        return redirect(reverse("admin:notifications_notification_change", args=[notification.pk]))

    def _review(self, request, notification):
        user = request.user
        state = notification.state
        summary = summarize(notification) if state in REVIEWABLE else None
        report = service.delivery_report(notification)
        incident = notification.incident
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(notification),
            "notification": notification,
            "subject": render_notification(notification, settings.LANGUAGE_CODE).subject,
            "audience_line": _audience_line(notification, summary, report.recipients),
            "incident_admin_url": admin_change_url(incident) if incident else None,
            "source_admin_url": _source_admin_url(notification),
            "summary": summary,
            "report": report,
            "components": [str(c) for c in notification.components.select_related("group")],
            "can_confirm": state == NotificationState.AWAITING_CONFIRMATION
            and user.has_perm(SEND_PERMISSION),
            "can_approve": state == NotificationState.AWAITING_APPROVAL
            and user.has_perm(APPROVE_PERMISSION),
            "can_stop": state in (*REVIEWABLE, NotificationState.QUEUED, NotificationState.SENDING)
            and user.has_perm("notifications.stop_notification"),
            "deliveries_url": reverse("admin:notifications_delivery_changelist")
            + f"?notification__id__exact={notification.pk}",
        }
        return TemplateResponse(request, "admin/notifications/notification/review.html", context)


def _recipients(n: int) -> str:
    return ngettext("%(n)d recipient", "%(n)d recipients", n) % {"n": n}


def _sending_to(n: int) -> str:
    return ngettext("Sending to %(n)d recipient.", "Sending to %(n)d recipients.", n) % {"n": n}


def _audience_line(notification, summary, delivered: int) -> str:
    """Who this notification goes to, as far as it has come."""
    state = notification.state
    if state == NotificationState.AWAITING_CONFIRMATION:
        return f"Sending to {_recipients(summary.total)} once you confirm."
    if state == NotificationState.AWAITING_APPROVAL:
        return f"Sending to {_recipients(summary.total)} once an incident manager approves."
    count = notification.recipients
    if count is None:
        count = notification.confirmed_count or delivered
    if state in (NotificationState.QUEUED, NotificationState.SENDING):
        return f"Sending to {_recipients(count)}."
    if state == NotificationState.DONE:
        return f"Sent to {_recipients(count)}."
    if state == NotificationState.STOPPED:
        return "Stopped: nothing more will be sent."
    return "Discarded: nothing was sent."


def _already_done(action: str | None, notification) -> str:
    """What to say to a repeated confirm, approve or stop: empty when it was not repeated."""
    state = notification.get_state_display()
    if (
        action == "confirm"
        and notification.confirmed_at is not None
        and notification.state != NotificationState.AWAITING_CONFIRMATION
    ):
        return f"This send was already confirmed; it is now “{state}”. Nothing more is sent."
    if (
        action == "approve"
        and notification.approved_at is not None
        and notification.state != NotificationState.AWAITING_APPROVAL
    ):
        return f"This send was already approved; it is now “{state}”. Nothing more is sent."
    if action == "stop" and notification.state in (
        NotificationState.STOPPED,
        NotificationState.CANCELLED,
    ):
        return f"This send was already stopped; it is “{state}”."
    return ""


def _source_admin_url(notification) -> str | None:
    """The admin page of what the notification tells of besides its incident (a postmortem)."""
    source = notification.source if notification.source_type_id else None
    if source is None:
        return None
    try:
        return admin_change_url(source)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class WaitingSend:
    """One row of the admin home page's list of sends waiting for staff."""

    what: str
    title: str
    state: str
    since: datetime
    recorded_by: str
    review_url: str
    incident: str
    incident_url: str | None


def waiting_sends() -> list[WaitingSend]:
    return [
        WaitingSend(
            what=n.get_kind_display(),
            title=n.title,
            state=n.get_state_display(),
            since=n.created_at,
            recorded_by=str(n.created_by) if n.created_by else "",
            review_url=n.get_absolute_url(),
            incident=str(n.incident) if n.incident else "",
            incident_url=admin_change_url(n.incident) if n.incident else None,
        )
        for n in waiting_notifications()
    ]


def _with_waiting_sends(index):
    """The admin home page, with every send waiting for staff listed for those who may send
    or approve: nothing that will tell subscribers waits where nobody looks."""

    @wraps(index)
    def view(request, extra_context=None):
        user = request.user
        if user.has_perm(SEND_PERMISSION) or user.has_perm(APPROVE_PERMISSION):
            extra_context = {**(extra_context or {}), "waiting_sends": waiting_sends()}
        return index(request, extra_context)

    view.lists_waiting_sends = True
    return view


if not getattr(admin.site.index, "lists_waiting_sends", False):
    admin.site.index = _with_waiting_sends(admin.site.index)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["subscriber", "notification", "state", "attempts", "sent_at", "error"]
    list_filter = ["state", "notification"]
    list_select_related = ["subscriber", "notification"]
    search_fields = ["subscriber__email"]
    show_full_result_count = False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Email subscribers sign up themselves (double opt-in); staff add webhook subscribers here.

    "Add" is the webhook form: the signing secret is shown once, in the confirmation message.
    """

    list_display = [
        "__str__", "mode", "state", "language", "follows", "webhook_failures", "created_at",
        "confirmed_at",
    ]  # fmt: skip
    list_filter = ["mode", "state", "language", "incidents_only"]
    search_fields = ["email", "endpoint"]
    fields = [
        "mode", "email", "endpoint", "state", "language", "components", "incidents",
        "incidents_only", "created_at", "confirmed_at", "unsubscribed_at", "public_id",
        "webhook_failures", "last_error", "last_error_at", "disabled_at", "disabled_reason",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["mark_bounced", "unsubscribe", "disable_webhooks", "enable_webhooks"]
    show_full_result_count = False

    @admin.display(description=_("Follows"))
    def follows(self, obj):
        return format_html("{}", _("followed incidents only") if obj.incidents_only else "—")

    def has_add_permission(self, request):
        # Only webhook subscribers are added by staff; email sign-ups need the double opt-in.
        return request.user.has_perm("notifications.add_subscriber")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # every field is read-only; changes are the actions below

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WebhookSubscriberForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                subscriber, secret = webhook_service.webhook_subscriber_create(
                    endpoint=form.cleaned_data["endpoint"],
                    components=list(form.cleaned_data["components"]),
                    actor=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                self.message_user(
                    request,
                    _(
                        "Webhook subscriber added. Its signing secret (copy it now, it is not "
                        "shown again): %(secret)s"
                    )
                    % {"secret": secret},
                    messages.WARNING,
                )
                return redirect(
                    reverse("admin:notifications_subscriber_change", args=[subscriber.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Add a webhook subscriber"),
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/notifications/subscriber/add_webhook.html",
            context,
            status=400 if form.errors else 200,
        )

    @admin.action(description=_("Mark as bounced"), permissions=["change"])
    def mark_bounced(self, request, queryset):
        for subscriber in queryset:
            subscriber_service.subscriber_mark_bounced(subscriber, actor=request.user)

    @admin.action(description=_("Unsubscribe"), permissions=["change"])
    def unsubscribe(self, request, queryset):
        for subscriber in queryset:
            subscriber_service.subscriber_unsubscribe(subscriber, actor=request.user)

    @admin.action(description=_("Disable webhooks"), permissions=["change"])
    def disable_webhooks(self, request, queryset):
        self._each_webhook(request, queryset, webhook_service.webhook_subscriber_disable)

    @admin.action(
        description=_("Enable webhooks (resets their failure count)"), permissions=["change"]
    )
    def enable_webhooks(self, request, queryset):
        self._each_webhook(request, queryset, webhook_service.webhook_subscriber_enable)

    def _each_webhook(self, request, queryset, service_function):
        done = 0
        for subscriber in queryset:
            try:
                service_function(subscriber, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{subscriber}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)d webhook subscriber changed.", "%(n)d webhook subscribers changed.", done
                )
                % {"n": done},
            )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
