"""The page's settings: one form, saved through `services.page.page_update`."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from ..models import Page
from ..models.page import EMBED_COLOURS, THEME_COLOURS
from ..services import page as page_service

FIELDSETS = [
    (None, {"fields": ["name", "headline", "page_description", "url", "support_url"]}),
    ("Readers", {"fields": ["time_zone", "hidden_from_search", "allow_rss_atom_feeds"]}),
    ("Notifications", {"fields": ["notifications_from_email", "notifications_email_footer"]}),
    ("Colours", {"fields": ["branding", *THEME_COLOURS]}),
    (
        "Banner for your product",
        {"fields": ["embed_position", *EMBED_COLOURS]},
    ),
]


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = [name for _title, options in FIELDSETS for name in options["fields"]]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            page_service.page_check(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageForm
    fieldsets = FIELDSETS

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return redirect(reverse("admin:incidents_page_change", args=[1]))

    def get_object(self, request, object_id, from_field=None):
        return Page.current() if object_id == "1" else None

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        form.instance = page_service.page_update(changes, actor=request.user)
