"""Incident templates: the words and components an incident or an update starts from."""

from __future__ import annotations

from django.contrib import admin

from .. import services
from ..models import IncidentTemplate
from .mixins import LabelledMarkdownMixin, ServiceDeleteMixin


@admin.register(IncidentTemplate)
class IncidentTemplateAdmin(LabelledMarkdownMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "title", "status"]
    search_fields = ["name", "title", "body"]
    filter_horizontal = ["components"]
    delete_service = services.incident_template_delete

    def save_model(self, request, obj, form, change):
        pass  # saved with its components in save_related, through the service

    def save_related(self, request, form, formsets, change):
        services.incident_template_save(
            form.instance, components=form.cleaned_data["components"], actor=request.user
        )
