"""The staff side. Every save and delete here calls a service; none writes models itself."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_translations import (
    TranslationInline,
    TranslationsAdminMixin,
    missing_translations_table,
)
from .forms import (
    IncidentCreateForm,
    MaintenanceChangeForm,
    MaintenanceScheduleForm,
    MaintenanceUpdateForm,
    TemplatePickForm,
    UpdateForm,
    add_service_error,
    template_initial,
)
from .models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentKind,
    IncidentTemplate,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    Postmortem,
    RemediationItem,
)
from .services.incidents import EDITABLE_INCIDENT_FIELDS
from .services.maintenance import EDITABLE_MAINTENANCE_FIELDS
from .services.postmortems import REMEDIATION_FIELDS


def _picked_template(request) -> IncidentTemplate | None:
    """The template chosen with ?template=<pk>, on the form's first display only."""
    if request.method != "GET":
        return None
    pick = TemplatePickForm(request.GET)
    return pick.cleaned_data["template"] if pick.is_valid() else None


def _review_or(request, update, incident):
    """After publishing: the review of the notification it recorded (audience, breakdown,
    confirm) when there is one and the user may send, else the incident."""
    from .notifications.models import Notification

    notification = Notification.objects.filter(update=update).first()
    if notification is not None and request.user.has_perm("notifications.send_notification"):
        messages.info(request, _("Check who will be told, then confirm the send."))
        return redirect(notification.get_absolute_url())
    return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))


class ServiceDeleteMixin:
    """Routes the admin's deletes through the model's delete service."""

    delete_service = None

    def delete_model(self, request, obj):
        type(self).delete_service(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class MadeWithItsParentMixin:
    """Rows added and deleted only with what they belong to (an incident, a postmortem): here
    they are corrected or translated, never added or deleted on their own."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimelineGoesWithItsIncidentMixin:
    """Timeline entries cannot be deleted on their own, but they go with their incident:
    deleting an incident must not ask for a permission on them."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        timeline = str(IncidentUpdate._meta.verbose_name)
        perms_needed = {name for name in perms_needed if str(name) != timeline}
        return deleted, counts, perms_needed, protected


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
class IncidentAdmin(
    TranslationsAdminMixin, TimelineGoesWithItsIncidentMixin, ServiceDeleteMixin, admin.ModelAdmin
):
    list_display = ["name", "status", "impact", "started_at", "resolved_at", "public_link"]
    list_filter = ["status", "impact"]
    search_fields = ["name", "public_id"]
    date_hierarchy = "started_at"
    fields = [
        *EDITABLE_INCIDENT_FIELDS, "status", "monitoring_at", "public_id", "missing_translations",
    ]  # fmt: skip
    readonly_fields = ["status", "monitoring_at", "public_id", "missing_translations"]
    inlines = [UpdateInline, TranslationInline]
    delete_service = services.incident_delete

    @admin.display(description=_("Missing or stale translations"))
    def missing_translations(self, obj):
        """Every text of the incident (updates and postmortem included) still to translate."""
        return missing_translations_table(obj) if obj and obj.pk else "—"

    def get_queryset(self, request):
        # Scheduled maintenance has its own admin.
        return super().get_queryset(request).filter(kind=IncidentKind.INCIDENT)

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
        # Any path under the admin can reach here ("add/x", a typo): only a number names one.
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        postmortem = Postmortem.objects.filter(incident_id=object_id).first()
        if postmortem and request.user.has_perm("incidents.view_postmortem"):
            extra_context["postmortem_url"] = reverse(
                "admin:incidents_postmortem_change", args=[postmortem.pk]
            )
        elif request.user.has_perm("incidents.add_postmortem"):
            extra_context["postmortem_url"] = (
                reverse("admin:incidents_postmortem_add") + f"?incident={object_id}"
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IncidentCreateForm(
            request.POST or None, initial=template_initial(_picked_template(request))
        )
        if request.method == "POST" and form.is_valid():
            try:
                incident = services.incident_create(**form.service_kwargs(), actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, incident, [{"added": {}}])
                self.message_user(request, _("The incident is open and on the status page."))
                return _review_or(request, incident.updates.get(), incident)
        return self._form_page(request, form, _("Open an incident"))

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("incidents.add_incidentupdate"):
            raise PermissionDenied
        incident = get_object_or_404(Incident, pk=object_id)
        form = UpdateForm(
            request.POST or None,
            incident=incident,
            initial=template_initial(_picked_template(request), for_update=True),
        )
        if request.method == "POST" and form.is_valid():
            try:
                update = services.update_post(incident, **form.service_kwargs(), actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_change(request, incident, [{"added": {"object": "update"}}])
                self.message_user(request, _("The update is on the status page."))
                return _review_or(request, update, incident)
        return self._form_page(
            request, form, _("Post an update: %(name)s") % {"name": incident}, incident
        )

    def _form_page(self, request, form, title, incident=None):
        pick = TemplatePickForm(request.GET if request.method == "GET" else None)
        return _service_form_page(self, request, form, title, incident, template_pick=pick)


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(MadeWithItsParentMixin, TranslationsAdminMixin, admin.ModelAdmin):
    """Corrections to published timeline entries (managers); new entries go through the
    incident's "Post an update" form."""

    list_display = ["incident", "status", "display_at", "author"]
    list_select_related = ["incident", "author"]
    fields = ["incident", "status", "body", "display_at", "deliver_notifications", "author"]
    readonly_fields = ["incident", "status", "deliver_notifications", "author"]
    search_fields = ["body", "incident__name"]
    inlines = [TranslationInline]

    def save_model(self, request, obj, form, change):
        services.update_edit(
            obj,
            body=form.cleaned_data["body"],
            display_at=form.cleaned_data["display_at"],
            actor=request.user,
        )


def _service_form_page(model_admin, request, form, title, incident=None, template_pick=None):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "media": model_admin.media + form.media,
        "incident": incident,
        "template_pick": template_pick,
    }
    return TemplateResponse(request, "admin/incidents/incident/service_form.html", context)


@admin.register(Maintenance)
class MaintenanceAdmin(TimelineGoesWithItsIncidentMixin, ServiceDeleteMixin, admin.ModelAdmin):
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
                return redirect(
                    reverse("admin:incidents_maintenance_change", args=[maintenance.pk])
                )
        return _service_form_page(self, request, form, _("Schedule maintenance"))

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("incidents.change_maintenance"):
            raise PermissionDenied
        maintenance = get_object_or_404(Maintenance, pk=object_id)
        form = MaintenanceUpdateForm(request.POST or None, maintenance=maintenance)
        if request.method == "POST" and form.is_valid():
            try:
                services.maintenance_update_post(
                    maintenance, **form.service_kwargs(), actor=request.user
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_change(request, maintenance, [{"added": {"object": "update"}}])
                self.message_user(request, _("The update is on the status page."))
                return redirect(
                    reverse("admin:incidents_maintenance_change", args=[maintenance.pk])
                )
        return _service_form_page(
            self, request, form, _("Post an update: %(name)s") % {"name": maintenance}, maintenance
        )


class RemediationItemInline(admin.TabularInline):
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
class PostmortemAdmin(TranslationsAdminMixin, admin.ModelAdmin):
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
        postmortem = form.instance
        # What the admin's change message reads (normally set by formset.save()).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for subform in formset.deleted_forms:
            if subform.instance.pk:
                services.remediation_item_delete(subform.instance, actor=request.user)
                formset.deleted_objects.append(subform.instance)
        for subform in formset.forms:
            if subform in formset.deleted_forms or not subform.has_changed():
                continue
            data = {f: subform.cleaned_data.get(f) for f in REMEDIATION_FIELDS}
            data["owner"] = data["owner"] or ""
            if subform.instance.pk:
                item = services.remediation_item_update(
                    subform.instance, actor=request.user, **data
                )
                formset.changed_objects.append((item, subform.changed_data))
            else:
                item = services.remediation_item_add(postmortem, actor=request.user, **data)
                formset.new_objects.append(item)
            subform.instance = item
        # Then the order the "position" column asks for (ties keep their current order).
        kept = [
            subform
            for subform in formset.forms
            if subform.instance.pk and subform not in formset.deleted_forms
        ]
        if kept:
            kept.sort(key=lambda f: (f.cleaned_data.get("position") or 0, f.instance.position))
            services.remediation_items_reorder(
                postmortem, [f.instance.pk for f in kept], actor=request.user
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
                service(postmortem, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), level="error")
            else:
                self.log_change(request, postmortem, [{"changed": {"fields": ["status"]}}])
                self.message_user(
                    request,
                    _("The postmortem is published.")
                    if action == "publish"
                    else _("The postmortem is a draft again and no longer public."),
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
class RemediationItemAdmin(MadeWithItsParentMixin, TranslationsAdminMixin, admin.ModelAdmin):
    """A remediation item's translations; the item itself is edited in its postmortem."""

    list_display = ["__str__", "postmortem", "state"]
    list_select_related = ["postmortem__incident"]
    fields = ["postmortem", "description", "state", "owner", "due_date"]
    readonly_fields = fields
    inlines = [TranslationInline]

    def save_model(self, request, obj, form, change):
        pass  # nothing of the item changes here; the translations are saved by the inline


@admin.register(IncidentTemplate)
class IncidentTemplateAdmin(ServiceDeleteMixin, admin.ModelAdmin):
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
