"""The staff side of metrics: providers (and why a Prometheus poll fails) and metrics.

Every change goes through `services`; this module only reads and routes.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from incidents.admin.mixins import ServiceDeleteMixin

from . import services
from .models import Metric, MetricProvider


class MetricInline(admin.TabularInline):
    """A provider's metrics, listed with their polling state (edited on their own page)."""

    model = Metric
    fields = ["name", "query", "display", "last_fetched_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MetricProvider)
class MetricProviderAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "type", "disabled", "last_polled_at", "failures", "last_error"]
    list_filter = ["type", "disabled"]
    fields = [
        "type", "base_url", "disabled", "public_id", "last_polled_at", "last_succeeded_at",
        "failures", "next_poll_at", "last_error",
    ]  # fmt: skip
    readonly_fields = [
        "public_id", "last_polled_at", "last_succeeded_at", "failures", "next_poll_at",
        "last_error",
    ]  # fmt: skip
    inlines = [MetricInline]
    delete_service = services.provider_delete

    def save_model(self, request, obj, form, change):
        services.provider_save(obj, actor=request.user)


CHART_FIELDS = [
    "transform", "suffix", "decimal_places", "y_axis_min", "y_axis_max", "y_axis_hidden",
    "tooltip_description",
]  # fmt: skip


@admin.register(Metric)
class MetricAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "provider", "display", "most_recent_data_at", "last_error"]
    list_filter = ["display", "provider__type"]
    list_select_related = ["provider"]
    search_fields = ["name", "query"]
    filter_horizontal = ["components"]
    fieldsets = [
        (None, {"fields": ["name", "provider", "query", "display", "components", "position"]}),
        ("Chart", {"fields": CHART_FIELDS}),
        ("Data", {"fields": ["public_id", "most_recent_data_at", "last_fetched_at", "last_error"]}),
    ]
    readonly_fields = ["public_id", "most_recent_data_at", "last_fetched_at", "last_error"]
    delete_service = services.metric_delete
    actions = ["reset_data"]

    def save_model(self, request, obj, form, change):
        pass  # saved with its components in save_related, through the service

    def save_related(self, request, form, formsets, change):
        services.metric_save(
            form.instance, components=form.cleaned_data["components"], actor=request.user
        )

    @admin.action(description="Delete the data of the selected metrics", permissions=["reset"])
    def reset_data(self, request, queryset):
        with transaction.atomic():
            for metric in queryset:
                services.metric_data_delete(metric, actor=request.user)
        self.message_user(request, "Their data was deleted.", messages.SUCCESS)

    def has_reset_permission(self, request) -> bool:
        return request.user.has_perm("metrics.delete_metricpoint")
