"""The audit log in the admin: read-only, for whoever holds view_auditlog (incident managers)."""

from __future__ import annotations

from django.contrib import admin

from incidents.admin.mixins import ReadOnlyMixin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_repr", "action", "target_repr"]
    list_filter = ["action"]
    search_fields = ["actor_repr", "action", "target_repr"]
    date_hierarchy = "created_at"
    fields = [
        "created_at", "actor", "actor_repr", "action", "target_type", "target_id",
        "target_repr", "before", "after",
    ]  # fmt: skip
    readonly_fields = fields
