"""Incidents and their timeline: open one, post updates, correct what was published."""

from __future__ import annotations

import copy

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import services, timefmt
from ..forms import (
    IncidentCreateForm,
    TemplatePickForm,
    UpdateForm,
    add_service_error,
    template_initial,
)
from ..models import Incident, IncidentKind, IncidentTemplate, IncidentUpdate, Postmortem
from ..services.incidents import EDITABLE_INCIDENT_FIELDS
from . import console
from .mixins import (
    LabelledMarkdownMixin,
    MadeWithItsParentMixin,
    ServiceDeleteMixin,
    TimelineGoesWithItsIncidentMixin,
    service_form_page,
)
from .mixins import review_or as _review_or
from .translations import TranslationInline, TranslationsAdminMixin, missing_translations_table


def _picked_template(request) -> IncidentTemplate | None:
    """The template chosen with ?template=<pk>, on the form's first display only."""
    if request.method != "GET":
        return None
    pick = TemplatePickForm(request.GET)
    return pick.cleaned_data["template"] if pick.is_valid() else None


# The console's update form says so with this field, beside the incident's own form.
CONSOLE_POST = "_post_update"
# The templates the console offers as one-click links; with more, a picker.
TEMPLATE_LINKS = 8


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
    LabelledMarkdownMixin,
    TranslationsAdminMixin,
    TimelineGoesWithItsIncidentMixin,
    ServiceDeleteMixin,
    admin.ModelAdmin,
):
    """An incident's change page is its console: where it stands, its sends with their
    progress, its timeline, and the form to post the next update; below, its details."""

    list_display = [
        "name", "status", "impact", "started_at", "resolved_at", "console_link", "public_link",
    ]  # fmt: skip
    list_filter = ["draft", "status", "impact"]
    search_fields = ["name", "public_id"]
    date_hierarchy = "started_at"
    fields = [
        *EDITABLE_INCIDENT_FIELDS, "impact", "status", "monitoring_at", "public_id",
        "missing_translations",
    ]  # fmt: skip
    readonly_fields = ["impact", "status", "monitoring_at", "public_id", "missing_translations"]
    # The timeline is the console's, newest first, with a link to correct each entry.
    inlines = [TranslationInline]
    delete_service = services.incident_delete
    # The console and the object tools link to the status page once, with its own words.
    view_on_site = False

    @admin.display(description=_("Missing or stale translations"))
    def missing_translations(self, obj):
        """Every text of the incident (updates and postmortem included) still to translate."""
        return missing_translations_table(obj) if obj and obj.pk else "—"

    def get_queryset(self, request):
        # Drafts too (the default manager leaves them out); scheduled maintenance has its own
        # admin.
        queryset = Incident.with_drafts.filter(kind=IncidentKind.INCIDENT)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @admin.display(description=_("Public page"))
    def public_link(self, obj):
        if obj.draft:
            return "draft, not public"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.public_id)

    @admin.display(description=_("Next update"))
    def console_link(self, obj):
        if not obj.is_open:
            return "—"
        url = reverse("admin:incidents_incident_change", args=[obj.pk]) + "#post-update"
        return format_html('<a class="addlink" href="{}">{}</a>', url, _("Post an update"))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if request.user.has_perm("incidents.add_incidentupdate"):
            return shown
        return [name for name in shown if name != "console_link"]

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
        extra_context.update(self._postmortem_link(request, object_id))
        incident = self.get_object(request, object_id)
        if incident is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and CONSOLE_POST in request.POST:
            return self._console_post(request, incident, extra_context)
        extra_context.update(self._console(request, incident))
        return super().change_view(request, object_id, form_url, extra_context)

    def _postmortem_link(self, request, object_id) -> dict:
        postmortem = Postmortem.objects.filter(incident_id=object_id).first()
        if postmortem and request.user.has_perm("incidents.view_postmortem"):
            return {
                "postmortem_url": reverse("admin:incidents_postmortem_change", args=[postmortem.pk])
            }
        if request.user.has_perm("incidents.add_postmortem"):
            return {
                "postmortem_url": reverse("admin:incidents_postmortem_add")
                + f"?incident={object_id}"
            }
        return {}

    def _console_post(self, request, incident, extra_context):
        """The console's form posted: on to the review of the send, or the console again
        with the refusal (and, when the incident moved on, the incident as it is now)."""
        if not request.user.has_perm("incidents.add_incidentupdate"):
            raise PermissionDenied
        form = UpdateForm(request.POST, incident=incident)
        done, form, status = self._post_update(request, incident, form)
        if done is not None:
            return done
        incident = Incident.with_drafts.get(pk=incident.pk)
        # The page as a GET shows it: the incident's own form unbound, beside this one.
        as_get = copy.copy(request)
        as_get.method = "GET"
        extra_context.update(self._console(as_get, incident, form))
        response = super().change_view(as_get, str(incident.pk), extra_context=extra_context)
        response.status_code = status
        return response

    def _post_update(self, request, incident, form):
        """Posts `form` through the service. Returns (the redirect, or None; the form to
        show again; its status code): 409 with the form brought up to date when the
        incident moved on meanwhile (see `update_post`'s `expected_version`), else 400."""
        if not form.is_valid():
            return None, form, 400
        try:
            update = services.update_post(incident, **form.service_kwargs(), actor=request.user)
        except ValidationError as error:
            status = 400
            if getattr(error, "code", None) == "stale":
                form = UpdateForm.refreshed(form, Incident.with_drafts.get(pk=incident.pk))
                status = 409
            add_service_error(form, error)
            return None, form, status
        self.log_change(request, incident, [{"added": {"object": "update"}}])
        self.message_user(request, _("The update is on the status page."))
        return _review_or(request, update.notification, incident), form, 302

    def _console(self, request, incident, form=None) -> dict:
        """What the console shows of `incident`, and its update form (`form`, or a new one)."""
        user = request.user
        may_post = user.has_perm("incidents.add_incidentupdate")
        if form is None and may_post:
            initial = template_initial(_picked_template(request), for_update=True)
            form = UpdateForm(
                incident=incident, initial=initial or console.draft_suggestion(incident)
            )
        may_correct = user.has_perm("incidents.change_incidentupdate")
        may_see_sends = user.has_perm("notifications.view_notification")
        updates = list(
            incident.updates.select_related("author")
            .prefetch_related("component_changes__component", "notifications")
            .order_by("-display_at", "-pk")
        )
        timeline = [
            {
                "update": update,
                "stamp": timefmt.dated_stamp(update.display_at),
                "changes": [
                    _("%(component)s: %(old)s → %(new)s")
                    % {
                        "component": change.component,
                        "old": change.get_old_status_display(),
                        "new": change.get_new_status_display(),
                    }
                    for change in update.component_changes.all()
                ],
                "sends": list(update.notifications.all()) if may_see_sends else [],
                "edit_url": reverse("admin:incidents_incidentupdate_change", args=[update.pk])
                if may_correct
                else None,
            }
            for update in updates
        ]
        sends = []
        url_name = console.send_progress_url_name()
        if may_see_sends and url_name:
            for notification in incident.notifications.select_related("update").order_by(
                "-created_at", "-pk"
            ):
                sends.append(
                    {
                        "notification": notification,
                        "progress": console.send_progress(notification),
                        "progress_url": reverse(url_name, args=[notification.pk]),
                    }
                )
        templates = list(IncidentTemplate.objects.all()) if may_post else []
        last = updates[0] if updates else None
        return {
            "console": {
                "incident": incident,
                "form": form,
                "form_media": form.media if form is not None else None,
                "components": list(incident.affected.select_related("component__group")),
                "timeline": timeline,
                "sends": sends,
                "last": last,
                "last_stamp": timefmt.dated_stamp(last.display_at) if last else "",
                "since_last": timefmt.length(
                    (timezone.now() - last.display_at).total_seconds() / 60
                )
                if last
                else "",
                "open_for": timefmt.window(incident.started_at, incident.resolved_at),
                "template_links": templates if len(templates) <= TEMPLATE_LINKS else [],
                "template_pick": TemplatePickForm(request.GET or None)
                if len(templates) > TEMPLATE_LINKS
                else None,
            }
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        console = context.get("console")
        if console and console["form_media"] is not None:
            context["media"] = context["media"] + console["form_media"]
        return super().render_change_form(request, context, add, change, form_url, obj)

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
                return _review_or(request, incident.notification, incident)
        return self._form_page(request, form, _("Open an incident"))

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("incidents.add_incidentupdate"):
            raise PermissionDenied
        incident = get_object_or_404(Incident.with_drafts, pk=object_id)
        form = UpdateForm(
            request.POST or None,
            incident=incident,
            initial=template_initial(_picked_template(request), for_update=True),
        )
        if request.method == "POST":
            done, form, _status = self._post_update(request, incident, form)
            if done is not None:
                return done
        return self._form_page(
            request, form, _("Post an update: %(name)s") % {"name": incident}, incident
        )

    def _form_page(self, request, form, title, incident=None):
        pick = TemplatePickForm(request.GET if request.method == "GET" else None)
        return service_form_page(self, request, form, title, incident, template_pick=pick)


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(
    LabelledMarkdownMixin, MadeWithItsParentMixin, TranslationsAdminMixin, admin.ModelAdmin
):
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
