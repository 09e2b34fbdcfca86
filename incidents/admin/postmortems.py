"""Postmortems and their remediation items: drafted, published and reverted through the
services."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Incident, Postmortem, RemediationItem
from ..services.postmortems import REMEDIATION_FIELDS
from .mixins import (
    LabelledMarkdownMixin,
    MadeWithItsParentMixin,
    review_or,
    save_formset_through_services,
)
from .translations import TranslationInline, TranslationsAdminMixin


class RemediationItemInline(LabelledMarkdownMixin, admin.TabularInline):
    model = RemediationItem
    fields = ["position", "description", "state", "owner", "due_date"]
    extra = 1
    show_change_link = True  # where the item's translations are
    ordering = ["position", "pk"]

    def has_change_permission(self, request, obj=None):
        return PostmortemAdmin.may_change(request, obj) and super().has_change_permission(
            request, obj
        )

    def has_add_permission(self, request, obj=None):
        return PostmortemAdmin.may_change(request, obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return PostmortemAdmin.may_change(request, obj) and super().has_delete_permission(
            request, obj
        )


@admin.register(Postmortem)
class PostmortemAdmin(LabelledMarkdownMixin, TranslationsAdminMixin, admin.ModelAdmin):
    """Drafting, publishing and reverting postmortems, all through the services.

    Publishing and reverting need the "publish postmortem" permission (Incident managers); so
    does changing a published postmortem, whose remediation items may still progress.
    """

    list_display = ["incident", "status", "published_at", "published_by"]
    list_filter = ["status"]
    list_select_related = ["incident", "published_by"]
    search_fields = ["incident__name", "root_cause", "resolution", "body"]
    fields = [
        "incident", "root_cause", "resolution", "body", "show_pending",
        "status", "published_at", "published_by",
    ]  # fmt: skip
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [RemediationItemInline, TranslationInline]

    @staticmethod
    def may_change(request, obj) -> bool:
        return (
            obj is None
            or not obj.is_published
            or request.user.has_perm("incidents.publish_postmortem")
        )

    def has_change_permission(self, request, obj=None):
        return self.may_change(request, obj) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            readonly.append("incident")
            if obj.is_published:  # its text changes only as a draft
                readonly += ["root_cause", "resolution", "body", "show_pending"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "incident":
            kwargs["queryset"] = Incident.objects.incidents().filter(postmortem__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publication_view),
                {"action": "publish"},
                name="incidents_postmortem_publish",
            ),
            path(
                "<path:object_id>/revert/",
                self.admin_site.admin_view(self.publication_view),
                {"action": "revert"},
                name="incidents_postmortem_revert",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["may_publish"] = request.user.has_perm("incidents.publish_postmortem")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if obj.pk and Postmortem.objects.get(pk=obj.pk).is_published:
            return  # only the remediation items can change; save_formset handles them
        saved = services.postmortem_save_draft(
            form.cleaned_data.get("incident") or obj.incident,
            root_cause=form.cleaned_data["root_cause"],
            resolution=form.cleaned_data["resolution"],
            body=form.cleaned_data["body"],
            show_pending=form.cleaned_data["show_pending"],
            actor=request.user,
        )
        # The inlines are bound to `obj`: give it the saved row's identity.
        obj.pk = saved.pk
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not RemediationItem:
            return super().save_formset(request, form, formset, change)
        postmortem, actor = form.instance, request.user
        save_formset_through_services(
            request,
            formset,
            add=lambda subform: services.remediation_item_add(
                postmortem, actor=actor, **_item_data(subform)
            ),
            update=lambda subform: services.remediation_item_update(
                subform.instance, actor=actor, **_item_data(subform)
            ),
            delete=lambda item: services.remediation_item_delete(item, actor=actor),
        )
        # Then the order the "position" column asks for (ties keep their current order).
        kept = [
            subform
            for subform in formset.forms
            if subform.instance.pk and subform not in formset.deleted_forms
        ]
        if kept:
            kept.sort(key=lambda f: (f.cleaned_data.get("position") or 0, f.instance.position))
            services.remediation_items_reorder(
                postmortem, [f.instance.pk for f in kept], actor=actor
            )

    def publication_view(self, request, object_id, action):
        if not request.user.has_perm("incidents.publish_postmortem"):
            raise PermissionDenied
        postmortem = get_object_or_404(Postmortem.objects.select_related("incident"), pk=object_id)
        change_url = reverse("admin:incidents_postmortem_change", args=[postmortem.pk])
        if request.method == "POST":
            service = (
                services.postmortem_publish if action == "publish" else services.postmortem_revert
            )
            try:
                changed = service(postmortem, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), level="error")
            else:
                self.log_change(request, postmortem, [{"changed": {"fields": ["status"]}}])
                if action == "publish":
                    self.message_user(request, _("The postmortem is published."))
                    # Its followers hear of it only once staff confirm the audience.
                    return review_or(request, changed.notification, change_url)
                self.message_user(
                    request, _("The postmortem is a draft again and no longer public.")
                )
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Publish the postmortem?")
            if action == "publish"
            else _("Revert the postmortem to draft?"),
            "postmortem": postmortem,
            "action": action,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/incidents/postmortem/confirm.html", context)


@admin.register(RemediationItem)
class RemediationItemAdmin(
    LabelledMarkdownMixin, MadeWithItsParentMixin, TranslationsAdminMixin, admin.ModelAdmin
):
    """A remediation item's translations; the item itself is edited in its postmortem."""

    list_display = ["__str__", "postmortem", "state"]
    list_select_related = ["postmortem__incident"]
    fields = ["postmortem", "description", "state", "owner", "due_date"]
    readonly_fields = fields
    inlines = [TranslationInline]

    def save_model(self, request, obj, form, change):
        pass  # nothing of the item changes here; the translations are saved by the inline


def _item_data(subform) -> dict:
    data = {f: subform.cleaned_data.get(f) for f in REMEDIATION_FIELDS}
    data["owner"] = data["owner"] or ""
    return data
