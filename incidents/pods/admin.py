"""The staff side of the account → pod mapping: one-by-one edits and a CSV import.

Every change goes through `services`; this module only reads and routes.
"""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from incidents.forms import add_service_error

from . import selectors, services
from .forms import ImportForm
from .models import AccountPod


class AccountPodForm(forms.ModelForm):
    class Meta:
        model = AccountPod
        fields = ["identifier", "pod"]

    def clean_identifier(self):
        # Normalized before the unique check, so "ACME" is found to clash with "acme".
        return services.normalize_identifier(self.cleaned_data["identifier"])


@admin.register(AccountPod)
class AccountPodAdmin(admin.ModelAdmin):
    form = AccountPodForm
    list_display = ["identifier", "pod", "updated_at"]
    list_filter = [("pod", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["identifier"]
    list_select_related = ["pod__group"]
    change_list_template = "admin/pods/accountpod/change_list.html"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pod":
            kwargs["queryset"] = selectors.pods()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # Staff paste what the customer wrote (`https://Acme.example.com/...`).
        with contextlib.suppress(ValidationError):
            search_term = services.normalize_identifier(search_term)
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        services.account_save(obj, actor=request.user)

    def delete_model(self, request, obj):
        services.account_delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for account in queryset:
                services.account_delete(account, actor=request.user)

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="pods_accountpod_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        rejected = None
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = services.accounts_import_csv(
                        form.cleaned_data["file"].read(), actor=request.user
                    )
                except services.ImportRejected as error:
                    rejected = error
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    self.message_user(
                        request,
                        _(
                            "Imported: %(created)d new, %(updated)d moved to another pod, "
                            "%(unchanged)d unchanged."
                        )
                        % vars(result),
                    )
                    return redirect("admin:pods_accountpod_changelist")
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import accounts from a CSV file"),
            "form": form,
            "rejected": rejected,
        }
        status = 400 if rejected or form.errors else 200
        return TemplateResponse(
            request, "admin/pods/accountpod/import.html", context, status=status
        )
