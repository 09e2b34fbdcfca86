"""The staff side. Every save and delete here calls a service; none writes models itself."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import IncidentCreateForm, UpdateForm, add_service_error
from .models import Component, ComponentGroup, Incident, IncidentUpdate
from .services.incidents import EDITABLE_INCIDENT_FIELDS


class ServiceDeleteMixin:
    """Routes the admin's deletes through the model's delete service."""

    delete_service = None

    def delete_model(self, request, obj):
        type(self).delete_service(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ComponentGroup)
class ComponentGroupAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "position", "public_id"]
    search_fields = ["name"]
    delete_service = services.group_delete

    def save_model(self, request, obj, form, change):
        services.group_save(obj, actor=request.user)


@admin.register(Component)
class ComponentAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "group", "status", "position", "showcase"]
    list_filter = ["status", "group"]
    list_select_related = ["group"]
    search_fields = ["name", "description"]
    fields = [
        "name", "group", "status", "description", "position",
        "showcase", "only_show_if_degraded", "start_date", "public_id",
    ]  # fmt: skip
    readonly_fields = ["public_id"]
    delete_service = services.component_delete

    def _may_only_set_status(self, request) -> bool:
        return not request.user.has_perm("incidents.change_component") and request.user.has_perm(
            "incidents.set_component_status"
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or request.user.has_perm(
            "incidents.set_component_status"
        )

    def get_readonly_fields(self, request, obj=None):
        if self._may_only_set_status(request):
            return [f for f in self.fields if f != "status"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if self._may_only_set_status(request):
            services.component_set_status(obj, obj.status, actor=request.user)
        else:
            services.component_save(obj, actor=request.user)


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
class IncidentAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "status", "impact", "started_at", "resolved_at", "public_link"]
    list_filter = ["status", "impact"]
    search_fields = ["name", "public_id"]
    date_hierarchy = "started_at"
    fields = [*EDITABLE_INCIDENT_FIELDS, "status", "monitoring_at", "public_id"]
    readonly_fields = ["status", "monitoring_at", "public_id"]
    inlines = [UpdateInline]
    delete_service = services.incident_delete

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
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IncidentCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                incident = services.incident_create(**form.service_kwargs(), actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, incident, [{"added": {}}])
                self.message_user(request, _("The incident is open and on the status page."))
                return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        return self._form_page(request, form, _("Open an incident"))

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("incidents.add_incidentupdate"):
            raise PermissionDenied
        incident = get_object_or_404(Incident, pk=object_id)
        form = UpdateForm(request.POST or None, incident=incident)
        if request.method == "POST" and form.is_valid():
            try:
                services.update_post(incident, **form.service_kwargs(), actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_change(request, incident, [{"added": {"object": "update"}}])
                self.message_user(request, _("The update is on the status page."))
                return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        return self._form_page(
            request, form, _("Post an update: %(name)s") % {"name": incident}, incident
        )

    def _form_page(self, request, form, title, incident=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "media": self.media + form.media,
            "incident": incident,
        }
        return TemplateResponse(request, "admin/incidents/incident/service_form.html", context)


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(admin.ModelAdmin):
    """Corrections to published timeline entries (managers); new entries go through the
    incident's "Post an update" form."""

    list_display = ["incident", "status", "display_at", "author"]
    list_select_related = ["incident", "author"]
    fields = ["incident", "status", "body", "display_at", "deliver_notifications", "author"]
    readonly_fields = ["incident", "status", "deliver_notifications", "author"]
    search_fields = ["body", "incident__name"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.update_edit(
            obj,
            body=form.cleaned_data["body"],
            display_at=form.cleaned_data["display_at"],
            actor=request.user,
        )
