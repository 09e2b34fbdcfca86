"""Components and their groups: what the status page lists and what incidents affect. Their
names (and a component's description) are translated beside the English, as incidents are."""

from __future__ import annotations

from django.contrib import admin

from .. import services
from ..models import Component, ComponentGroup
from .mixins import ServiceDeleteMixin
from .translations import TranslationInline, TranslationsAdminMixin


@admin.register(ComponentGroup)
class ComponentGroupAdmin(TranslationsAdminMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "position", "public_id"]
    search_fields = ["name"]
    inlines = [TranslationInline]
    delete_service = services.group_delete

    def save_model(self, request, obj, form, change):
        services.group_save(obj, actor=request.user)


@admin.register(Component)
class ComponentAdmin(TranslationsAdminMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "group", "status", "position", "showcase"]
    list_filter = ["status", "group"]
    list_select_related = ["group"]
    search_fields = ["name", "description"]
    fields = [
        "name", "group", "status", "description", "position",
        "showcase", "only_show_if_degraded", "start_date", "public_id",
    ]  # fmt: skip
    readonly_fields = ["public_id"]
    # The name and description in the other languages, beside the English.
    inlines = [TranslationInline]
    delete_service = services.component_delete

    def _may_only_set_status(self, request) -> bool:
        return not request.user.has_perm("incidents.change_component") and request.user.has_perm(
            "incidents.set_component_status"
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or request.user.has_perm(
            "incidents.set_component_status"
        )

    def get_inlines(self, request, obj):
        """Who may only set the status does not rename the component in any language (as on
        an incident they may not edit, their translations are corrected in the translation
        list)."""
        return [] if self._may_only_set_status(request) else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._may_only_set_status(request):
            return [f for f in self.fields if f != "status"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if self._may_only_set_status(request):
            services.component_set_status(obj, obj.status, actor=request.user)
        else:
            services.component_save(obj, actor=request.user)
