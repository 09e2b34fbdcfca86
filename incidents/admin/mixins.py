"""What several admins share: deletes and inline formsets through services, rows that live and
die with their parent, the page of the admin's own service forms, and the way from a write
that may tell subscribers to the review of that send."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from markdownx.models import MarkdownxField

from ..forms import LabelledMarkdownWidget
from ..models import IncidentKind, IncidentUpdate

SEND_PERMISSION = "notifications.send_notification"
# What every admin page that recorded a notification says: subscribers are told only after a
# person has seen who will be told and confirmed.
NOTHING_SENT_YET = "Nothing is sent until you confirm who will be told."


class ReadOnlyMixin:
    """A record the admin shows and never changes (the audit log, deliveries)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


def save_formset_through_services(
    request,
    formset,
    *,
    add: Callable,
    update: Callable,
    delete: Callable,
) -> None:
    """Saves an inline formset row by row through services instead of `formset.save()`.

    Deleted rows go first (`delete(obj)`), then each changed row: `update(subform)` when it
    exists, `add(subform)` when it is new; both return the saved object, which becomes the
    subform's instance. A row a service refuses (ValidationError) is left as it was and the
    refusal shown; the others are still saved. The admin's change message reads the
    bookkeeping `formset.save()` would have kept (new, changed and deleted objects).
    """
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for subform in formset.deleted_forms:
        if subform.instance.pk:
            try:
                delete(subform.instance)
            except ValidationError as error:
                _show_refusal(request, error)
            else:
                formset.deleted_objects.append(subform.instance)
    for subform in formset.forms:
        if subform in formset.deleted_forms or not subform.has_changed():
            continue
        existing = subform.instance.pk is not None
        try:
            saved = update(subform) if existing else add(subform)
        except ValidationError as error:
            _show_refusal(request, error)
            continue
        if existing:
            formset.changed_objects.append((saved, subform.changed_data))
        else:
            formset.new_objects.append(saved)
        subform.instance = saved


def _show_refusal(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def service_form_page(model_admin, request, form, title, incident=None, template_pick=None):
    """The admin page of a form that calls a service (open, schedule, post an update)."""
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


def admin_change_url(obj: models.Model) -> str:
    """The admin page of `obj`; a maintenance's is in the maintenance admin, not the
    incidents' (both are incidents underneath)."""
    opts = obj._meta
    if getattr(obj, "kind", None) == IncidentKind.MAINTENANCE:
        return reverse("admin:incidents_maintenance_change", args=[obj.pk])
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def review_or(request, notification, fallback: models.Model | str):
    """After a write that may tell subscribers: the review of the notification the service
    recorded (audience, breakdown, confirm) when there is one and the user may send, else
    `fallback` (an object, whose admin page it is, or a URL).

    Either way the user reads that nothing has been sent yet: a notification recorded for
    someone who may not send waits for a colleague, listed on the admin's home page.
    """
    back = fallback if isinstance(fallback, str) else admin_change_url(fallback)
    if notification is None:
        return redirect(back)
    if request.user.has_perm(SEND_PERMISSION):
        messages.info(request, f"{NOTHING_SENT_YET} Check who will be told, then confirm the send.")
        return redirect(notification.get_absolute_url())
    messages.warning(
        request,
        f"{NOTHING_SENT_YET} Subscribers will be told once someone who may send notifications "
        "confirms it; it waits on the admin's home page.",
    )
    return redirect(back)


class LabelledMarkdownMixin:
    """Markdown fields whose preview box is labelled."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, MarkdownxField):
            kwargs["widget"] = LabelledMarkdownWidget()
        return super().formfield_for_dbfield(db_field, request, **kwargs)
