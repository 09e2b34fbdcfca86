"""Incidents and their timeline: open one, post updates, correct what was published."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import services
from ..forms import (
    IncidentCreateForm,
    TemplatePickForm,
    UpdateForm,
    add_service_error,
    template_initial,
)
from ..models import Incident, IncidentKind, IncidentTemplate, IncidentUpdate, Postmortem
from ..services.incidents import EDITABLE_INCIDENT_FIELDS
from .mixins import (
    MadeWithItsParentMixin,
    ServiceDeleteMixin,
    TimelineGoesWithItsIncidentMixin,
    service_form_page,
)
from .translations import TranslationInline, TranslationsAdminMixin, missing_translations_table


def _picked_template(request) -> IncidentTemplate | None:
    """The template chosen with ?template=<pk>, on the form's first display only."""
    if request.method != "GET":
        return None
    pick = TemplatePickForm(request.GET)
    return pick.cleaned_data["template"] if pick.is_valid() else None


def _review_or(request, notification, incident):
    """After publishing: the review of the notification the service recorded (audience,
    breakdown, confirm) when there is one and the user may send, else the incident."""
    if notification is not None and request.user.has_perm("notifications.send_notification"):
        messages.info(request, _("Check who will be told, then confirm the send."))
        return redirect(notification.get_absolute_url())
    return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))


class UpdateInline(admin.TabularInline):
    model = IncidentUpdate
    fields = ["display_at", "status", "body", "deliver_notifications", "author"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["display_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(
    TranslationsAdminMixin, TimelineGoesWithItsIncidentMixin, ServiceDeleteMixin, admin.ModelAdmin
):
    list_display = ["name", "status", "impact", "started_at", "resolved_at", "public_link"]
    list_filter = ["status", "impact"]
    search_fields = ["name", "public_id"]
    date_hierarchy = "started_at"
    fields = [
        *EDITABLE_INCIDENT_FIELDS, "impact", "status", "monitoring_at", "public_id",
        "missing_translations",
    ]  # fmt: skip
    readonly_fields = ["impact", "status", "monitoring_at", "public_id", "missing_translations"]
    inlines = [UpdateInline, TranslationInline]
    delete_service = services.incident_delete

    @admin.display(description=_("Missing or stale translations"))
    def missing_translations(self, obj):
        """Every text of the incident (updates and postmortem included) still to translate."""
        return missing_translations_table(obj) if obj and obj.pk else "—"

    def get_queryset(self, request):
        # Scheduled maintenance has its own admin.
        return super().get_queryset(request).filter(kind=IncidentKind.INCIDENT)

    @admin.display(description=_("Public page"))
    def public_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.public_id)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/post-update/",
                self.admin_site.admin_view(self.post_update_view),
                name="incidents_incident_post_update",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        changes = {
            f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_INCIDENT_FIELDS
        }
        services.incident_edit(obj, actor=request.user, **changes)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["may_post_update"] = request.user.has_perm("incidents.add_incidentupdate")
        # Any path under the admin can reach here ("add/x", a typo): only a number names one.
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        postmortem = Postmortem.objects.filter(incident_id=object_id).first()
        if postmortem and request.user.has_perm("incidents.view_postmortem"):
            extra_context["postmortem_url"] = reverse(
                "admin:incidents_postmortem_change", args=[postmortem.pk]
            )
        elif request.user.has_perm("incidents.add_postmortem"):
            extra_context["postmortem_url"] = (
                reverse("admin:incidents_postmortem_add") + f"?incident={object_id}"
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IncidentCreateForm(
            request.POST or None, initial=template_initial(_picked_template(request))
        )
        if request.method == "POST" and form.is_valid():
            try:
                incident = services.incident_create(**form.service_kwargs(), actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, incident, [{"added": {}}])
                self.message_user(request, _("The incident is open and on the status page."))
                return _review_or(request, incident.notification, incident)
        return self._form_page(request, form, _("Open an incident"))

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("incidents.add_incidentupdate"):
            raise PermissionDenied
        incident = get_object_or_404(Incident, pk=object_id)
        form = UpdateForm(
            request.POST or None,
            incident=incident,
            initial=template_initial(_picked_template(request), for_update=True),
        )
        if request.method == "POST" and form.is_valid():
            try:
                update = services.update_post(incident, **form.service_kwargs(), actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_change(request, incident, [{"added": {"object": "update"}}])
                self.message_user(request, _("The update is on the status page."))
                return _review_or(request, update.notification, incident)
        return self._form_page(
            request, form, _("Post an update: %(name)s") % {"name": incident}, incident
        )

    def _form_page(self, request, form, title, incident=None):
        pick = TemplatePickForm(request.GET if request.method == "GET" else None)
        return service_form_page(self, request, form, title, incident, template_pick=pick)


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(MadeWithItsParentMixin, TranslationsAdminMixin, admin.ModelAdmin):
    """Corrections to published timeline entries (managers); new entries go through the
    incident's "Post an update" form."""

    list_display = ["incident", "status", "display_at", "author"]
    list_select_related = ["incident", "author"]
    fields = ["incident", "status", "body", "display_at", "deliver_notifications", "author"]
    readonly_fields = ["incident", "status", "deliver_notifications", "author"]
    search_fields = ["body", "incident__name"]
    inlines = [TranslationInline]

    def save_model(self, request, obj, form, change):
        services.update_edit(
            obj,
            body=form.cleaned_data["body"],
            display_at=form.cleaned_data["display_at"],
            actor=request.user,
        )
