"""What several admins share: deletes and inline formsets through services, rows that live and
die with their parent, and the page of the admin's own service forms."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from ..models import IncidentUpdate


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
