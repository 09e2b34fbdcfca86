"""The staff side of monitoring: integrations (made, changed, rotated and deleted through the
services; the URL with its secret shown once) and the alerts they sent (read only)."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html

from incidents.admin.mixins import ReadOnlyMixin

from . import services
from .models import AlertState, Integration
from .services.integrations import FIELDS, integration_check

SHOWN_ONCE = "Copy it now: it is not shown again."


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = list(FIELDS)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # The services' own check, so that its refusals show beside their fields.
        probe = copy.copy(self.instance)
        for name in FIELDS:
            if name in data:
                setattr(probe, name, data[name])
        try:
            integration_check(probe)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                self.add_error(field if field in self.fields else None, problems)
        return data


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = [
        "name", "kind", "update_components", "open_draft_incident", "heartbeat_minutes",
        "last_received_at", "refused",
    ]  # fmt: skip
    list_filter = ["kind", "update_components", "open_draft_incident"]
    search_fields = ["name", "public_id"]
    readonly_fields = [
        "public_id", "last_received_at", "last_error", "last_error_at", "silence_warned_at",
        "created_at", "updated_at",
    ]  # fmt: skip
    # What its alerts do: components, drafts, the labels read and the damping.
    behaviour = [
        "update_components", "open_draft_incident", "component_label", "severity_map",
        "flap_interval_s", "template",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["name", "kind", "public_id"]}),
        ("What its alerts do", {"fields": behaviour}),
        ("Heartbeat", {"fields": ["heartbeat_minutes", "last_received_at", "silence_warned_at"]}),
        ("Last refusal", {"fields": ["last_error", "last_error_at"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["rotate_secret"]

    @admin.display(description="Last refusal")
    def refused(self, obj):
        if not obj.last_error_at:
            return "—"
        return format_html(
            '<span title="{}">{:%Y-%m-%d %H:%M} UTC</span>', obj.last_error, obj.last_error_at
        )

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: values[name] for name in form.changed_data if name in values}
            services.integration_update(obj, actor=request.user, **changed)
            return
        integration, url = services.integration_create(actor=request.user, **values)
        obj.pk, obj.public_id = integration.pk, integration.public_id
        self.message_user(
            request,
            f"Integration added. Its address (post the alerts there): {url} — {SHOWN_ONCE}",
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.integration_delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for integration in queryset:
                services.integration_delete(integration, actor=request.user)

    @admin.action(description="Rotate the secret (the old address stops working)",
                  permissions=["change"])  # fmt: skip
    def rotate_secret(self, request, queryset):
        for integration in queryset:
            integration, url = services.integration_rotate(integration, actor=request.user)
            self.message_user(
                request,
                f"{integration.name}: its new address is {url} — {SHOWN_ONCE}",
                messages.WARNING,
            )


@admin.register(AlertState)
class AlertStateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "alertname", "integration", "component", "status", "state", "started_at", "ended_at",
        "changed_at",
    ]  # fmt: skip
    list_filter = ["state", "integration"]
    list_select_related = ["integration", "component__group"]
    search_fields = ["alertname", "fingerprint", "summary"]
    fields = [
        "integration", "fingerprint", "alertname", "summary", "component", "status", "state",
        "started_at", "ended_at", "received_at", "changed_at", "incident",
    ]  # fmt: skip
    readonly_fields = fields
