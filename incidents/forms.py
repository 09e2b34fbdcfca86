"""Staff forms. They only parse input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from markdownx.fields import MarkdownxFormField

from .models import (
    Component,
    ComponentStatus,
    Impact,
    IncidentStatus,
    IncidentTemplate,
    Maintenance,
    MaintenanceStatus,
)
from .services.maintenance import EDITABLE_MAINTENANCE_FIELDS, TRANSITIONS

UNCHANGED = ""


class ComponentChangesMixin:
    """Adds one "new status" choice per component, grouped as on the status page."""

    def add_component_fields(self) -> None:
        self.component_fields = []
        components = Component.objects.select_related("group").order_by(
            "group__position", "group__name", "position", "name"
        )
        for component in components:
            name = f"component_{component.pk}"
            unchanged = _("— unchanged (%(status)s) —") % {"status": component.get_status_display()}
            self.fields[name] = forms.ChoiceField(
                label=str(component),
                choices=[(UNCHANGED, unchanged), *ComponentStatus.choices],
                required=False,
            )
            self.component_fields.append((component, name))

    def component_changes(self) -> dict[Component, str]:
        return {
            component: self.cleaned_data[name]
            for component, name in self.component_fields
            if self.cleaned_data.get(name)
        }

    def component_bound_fields(self):
        return [self[name] for _component, name in self.component_fields]


class UpdateForm(ComponentChangesMixin, forms.Form):
    """One form to post an update: status, message, component changes, notify or not."""

    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    body = MarkdownxFormField(label=_("Message"))
    deliver_notifications = forms.BooleanField(
        label=_("Notify subscribers"), required=False, initial=True
    )
    display_at = forms.DateTimeField(
        label=_("Shown at (UTC)"),
        required=False,
        help_text=_("Leave empty for now. Set it to record an update after the fact."),
    )
    reopen = forms.BooleanField(
        label=_("Reopen this resolved incident"),
        required=False,
        help_text=_("Needed to post an open status on a resolved incident."),
    )

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.fields["status"].initial = incident.status
        if incident.is_open:
            del self.fields["reopen"]
        self.add_component_fields()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "body": data["body"],
            "components": self.component_changes(),
            "display_at": data.get("display_at"),
            "deliver_notifications": data["deliver_notifications"],
            "reopen": data.get("reopen", False),
        }


class IncidentCreateForm(ComponentChangesMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    impact_override = forms.ChoiceField(
        label=_("Impact"),
        choices=[("", _("Follow the components")), *Impact.choices],
        required=False,
        help_text=_("By default the worst status the incident puts a component in."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    body = MarkdownxFormField(label=_("First update"), help_text=_("Markdown."))
    summary = MarkdownxFormField(
        label=_("Summary"), required=False, help_text=_("Markdown. Can be written later.")
    )
    started_at = forms.DateTimeField(
        label=_("Impact started at (UTC)"),
        required=False,
        help_text=_("Leave empty for now."),
    )
    deliver_notifications = forms.BooleanField(
        label=_("Notify subscribers"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_component_fields()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "impact_override": data["impact_override"],
            "status": data["status"],
            "body": data["body"],
            "summary": data["summary"],
            "started_at": data.get("started_at"),
            "components": self.component_changes(),
            "deliver_notifications": data["deliver_notifications"],
        }


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form, on the field it names when there is one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def template_initial(template: IncidentTemplate | None, *, for_update: bool = False) -> dict:
    """Form values taken from an incident template: the incident name (when opening one),
    the status, the message and whether to notify."""
    if template is None:
        return {}
    initial = {
        "status": template.status,
        "body": template.body,
        "deliver_notifications": template.deliver_notifications,
    }
    if not for_update:
        initial["name"] = template.title
    return initial


class TemplatePickForm(forms.Form):
    """Picks an incident template; submitted with GET, it pre-fills the form below it."""

    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=IncidentTemplate.objects.all(),
        required=False,
        empty_label=_("— no template —"),
    )


class MaintenanceScheduleForm(forms.Form):
    """Announces a maintenance window."""

    name = forms.CharField(label=_("Name"), max_length=255)
    scheduled_for = forms.DateTimeField(label=_("Starts at (UTC)"))
    scheduled_until = forms.DateTimeField(label=_("Ends at (UTC)"))
    body = MarkdownxFormField(label=_("Announcement"), help_text=_("Markdown."))
    summary = MarkdownxFormField(label=_("Summary"), required=False, help_text=_("Markdown."))
    components = forms.ModelMultipleChoiceField(
        label=_("Components under maintenance"),
        queryset=Component.objects.select_related("group").order_by(
            "group__position", "group__name", "position", "name"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    auto_in_progress = forms.BooleanField(
        label=_("Start automatically at the scheduled start"), required=False, initial=True
    )
    auto_completed = forms.BooleanField(
        label=_("Complete automatically at the scheduled end"), required=False, initial=True
    )
    remind_prior = forms.BooleanField(
        label=_("Send a reminder before the start"), required=False, initial=True
    )
    deliver_notifications = forms.BooleanField(
        label=_("Notify subscribers"), required=False, initial=True
    )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class MaintenanceUpdateForm(forms.Form):
    """Moves a maintenance along (or adds a note) with a timeline entry."""

    status = forms.ChoiceField(label=_("Status"))
    body = MarkdownxFormField(
        label=_("Message"),
        required=False,
        help_text=_("Markdown. Leave empty for the standard wording of the status."),
    )
    deliver_notifications = forms.BooleanField(
        label=_("Notify subscribers"), required=False, initial=True
    )

    def __init__(self, *args, maintenance, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(maintenance.status, set())
        self.fields["status"].choices = [
            (value, label) for value, label in MaintenanceStatus.choices if value in allowed
        ]
        self.fields["status"].initial = maintenance.status

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class MaintenanceChangeForm(forms.ModelForm):
    """The maintenance change page; the components are edited through the service."""

    affected_components = forms.ModelMultipleChoiceField(
        label=_("Components under maintenance"),
        queryset=Component.objects.select_related("group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Maintenance
        fields = list(EDITABLE_MAINTENANCE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.status != MaintenanceStatus.SCHEDULED:
            del self.fields["affected_components"]  # fixed once started
        elif self.instance.pk:
            self.fields["affected_components"].initial = list(
                self.instance.affected.values_list("component_id", flat=True)
            )
