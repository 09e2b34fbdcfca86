"""Scheduled maintenance: announced here, moved along by staff or by the scheduler."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import services
from ..forms import (
    MaintenanceChangeForm,
    MaintenanceScheduleForm,
    MaintenanceUpdateForm,
    add_service_error,
)
from ..models import Maintenance, MaintenanceStatus
from ..services.maintenance import EDITABLE_MAINTENANCE_FIELDS
from .incidents import UpdateInline
from .mixins import (
    LabelledMarkdownMixin,
    ServiceDeleteMixin,
    TimelineGoesWithItsIncidentMixin,
    review_or,
    service_form_page,
)


def _change_url(maintenance) -> str:
    return reverse("admin:incidents_maintenance_change", args=[maintenance.pk])


@admin.register(Maintenance)
class MaintenanceAdmin(
    LabelledMarkdownMixin, TimelineGoesWithItsIncidentMixin, ServiceDeleteMixin, admin.ModelAdmin
):
    """Scheduled maintenance: announced here, moved along by staff or by the scheduler."""

    form = MaintenanceChangeForm
    list_display = ["name", "status", "scheduled_for", "scheduled_until", "public_link"]
    list_filter = ["status"]
    search_fields = ["name", "public_id"]
    date_hierarchy = "scheduled_for"
    fields = [
        *EDITABLE_MAINTENANCE_FIELDS,
        "affected_components",
        "status", "started_at", "resolved_at", "scheduled_reminded_at", "public_id",
    ]  # fmt: skip
    readonly_fields = ["status", "started_at", "resolved_at", "scheduled_reminded_at", "public_id"]
    inlines = [UpdateInline]
    delete_service = services.incident_delete

    @admin.display(description=_("Public page"))
    def public_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.public_id)

    @admin.display(description=_("Components under maintenance"))
    def components_list(self, obj):
        return ", ".join(str(row.component) for row in obj.affected.select_related("component"))

    @staticmethod
    def _started(obj) -> bool:
        return obj is not None and obj.status != MaintenanceStatus.SCHEDULED

    def get_fields(self, request, obj=None):
        if self._started(obj):
            return ["components_list" if f == "affected_components" else f for f in self.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if self._started(obj):
            # The window and the components are fixed once the maintenance has started.
            return [*self.readonly_fields, "scheduled_for", "scheduled_until", "components_list"]
        return self.readonly_fields

    def get_urls(self):
        return [
            path(
                "<path:object_id>/post-update/",
                self.admin_site.admin_view(self.post_update_view),
                name="incidents_maintenance_post_update",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["may_post_update"] = request.user.has_perm("incidents.change_maintenance")
        extra_context["post_update_url"] = reverse(
            "admin:incidents_maintenance_post_update", args=[object_id]
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        changes = {
            f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_MAINTENANCE_FIELDS
        }
        services.maintenance_edit(obj, actor=request.user, **changes)
        if "affected_components" in form.changed_data:
            services.maintenance_set_components(
                obj, form.cleaned_data["affected_components"], actor=request.user
            )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MaintenanceScheduleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                maintenance = services.maintenance_schedule(
                    **form.service_kwargs(), actor=request.user
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, maintenance, [{"added": {}}])
                self.message_user(request, _("The maintenance is announced on the status page."))
                return review_or(request, maintenance.notification, _change_url(maintenance))
        return service_form_page(self, request, form, _("Schedule maintenance"))

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("incidents.change_maintenance"):
            raise PermissionDenied
        maintenance = get_object_or_404(Maintenance, pk=object_id)
        form = MaintenanceUpdateForm(request.POST or None, maintenance=maintenance)
        if request.method == "POST" and form.is_valid():
            try:
                update = services.maintenance_update_post(
                    maintenance, **form.service_kwargs(), actor=request.user
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_change(request, maintenance, [{"added": {"object": "update"}}])
                self.message_user(request, _("The update is on the status page."))
                # Starting and completing tell subscribers (a note along the way does not).
                return review_or(request, update.notification, _change_url(maintenance))
        return service_form_page(
            self, request, form, _("Post an update: %(name)s") % {"name": maintenance}, maintenance
        )
