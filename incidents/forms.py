"""Staff forms. They only parse input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _
from markdownx.fields import MarkdownxFormField
from markdownx.widgets import MarkdownxWidget

from .models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    Maintenance,
    MaintenanceStatus,
)
from .models.incidents import ReminderInterval
from .services.maintenance import EDITABLE_MAINTENANCE_FIELDS, TRANSITIONS

UNCHANGED = ""
_PROJECT_TEMPLATES = TemplatesSetting()


class LabelledMarkdownWidget(MarkdownxWidget):
    """markdownx's editor with its preview box named "Preview", visibly and for screen
    readers (the box follows its own field, so the name need not repeat the field's)."""

    template_name = "admin/incidents/incident/markdown_widget.html"

    def render(self, name, value, attrs=None, renderer=None):
        # The template lives with the project's admin templates, which the default form
        # renderer does not search.
        return super().render(name, value, attrs, renderer=_PROJECT_TEMPLATES)


def markdown_field(label, **kwargs) -> MarkdownxFormField:
    """A Markdown field whose preview is labelled."""
    return MarkdownxFormField(label=label, widget=LabelledMarkdownWidget(), **kwargs)


def _ordered_components():
    return Component.objects.select_related("group").order_by(
        "group__position", "group__name", "position", "name"
    )


class ComponentChangesMixin:
    """Adds one "new status" choice per component, grouped as on the status page.

    Without an incident each choice starts at "unchanged". With one (a later update) each
    shows the component's current status, the incident's own components first; a component
    counts as changed when its choice differs from the status the form showed (sent back
    with the form), so a form filled in while someone else moved a component does not move
    it back.
    """

    def add_component_fields(self, incident: Incident | None = None) -> None:
        self.component_fields = []
        self.own_component_names = set()
        own = set(incident.affected.values_list("component_id", flat=True)) if incident else set()
        for component in _ordered_components():
            name = f"component_{component.pk}"
            if incident is None:
                unchanged = _("— unchanged (%(status)s) —") % {
                    "status": component.get_status_display()
                }
                field = forms.ChoiceField(
                    label=str(component),
                    choices=[(UNCHANGED, unchanged), *ComponentStatus.choices],
                    required=False,
                )
            else:
                # Only a maintenance puts a component under maintenance (the service says
                # so); the choice stays for a component that is, to show it as it is.
                choices = [
                    (value, label)
                    for value, label in ComponentStatus.choices
                    if value != ComponentStatus.UNDER_MAINTENANCE or value == component.status
                ]
                field = forms.ChoiceField(
                    label=str(component),
                    choices=choices,
                    initial=component.status,
                    required=False,
                    show_hidden_initial=True,
                )
            self.fields[name] = field
            self.component_fields.append((component, name))
            if component.pk in own:
                self.own_component_names.add(name)

    def component_changes(self) -> dict[Component, str]:
        changed = set(self.changed_data)
        return {
            component: self.cleaned_data[name]
            for component, name in self.component_fields
            if self.cleaned_data.get(name) and name in changed
        }

    def component_bound_fields(self):
        """The incident's own components (every component when there is no incident)."""
        if getattr(self, "incident", None) is None:
            return [self[name] for _component, name in self.component_fields]
        return [self[n] for _c, n in self.component_fields if n in self.own_component_names]

    def other_component_bound_fields(self):
        """The components the incident does not affect (yet)."""
        if not getattr(self, "incident", None):
            return []
        return [self[n] for _c, n in self.component_fields if n not in self.own_component_names]

    def others_touched(self) -> bool:
        """Whether one of the other components has an error or a change to show."""
        if not self.is_bound:
            return False
        others = [field.name for field in self.other_component_bound_fields()]
        return any(name in self.errors or name in self.changed_data for name in others)


def promise_field(label, help_text) -> forms.TypedChoiceField:
    """When the next update is due: one of the intervals the service accepts, or none."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("No promise")), *ReminderInterval.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=help_text,
    )


class UpdateForm(ComponentChangesMixin, forms.Form):
    """One form to post an update: status, message, component changes, notify or not."""

    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    body = markdown_field(_("Message"))
    deliver_notifications = forms.BooleanField(
        label=_("Notify subscribers"), required=False, initial=True
    )
    display_at = forms.DateTimeField(
        label=_("Shown at (UTC)"),
        required=False,
        help_text=_("Empty: the moment you post it. Set it to record an update after the fact."),
    )
    reopen = forms.BooleanField(
        label=_("Reopen this resolved incident"),
        required=False,
        help_text=_("Needed to post an open status on a resolved incident."),
    )
    next_update_in = promise_field(
        _("Next update within"),
        help_text=_("Shown on the status page; you are reminded when it passes."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.fields["status"].initial = incident.status
        self.fields["next_update_in"].initial = incident.reminder_interval
        self.fields["version"].initial = incident_version(incident)
        if incident.is_open:
            del self.fields["reopen"]
        self.add_component_fields(incident)

    @classmethod
    def refreshed(cls, form: UpdateForm, incident: Incident) -> UpdateForm:
        """`form` again after the incident moved on: what the poster wrote and chose, against
        the incident as it is now (its version and its components' statuses)."""
        data = form.data.copy()
        fresh = cls(incident=incident)
        data["version"] = fresh.fields["version"].initial or ""
        changed = set(form.changed_data)
        for component, name in fresh.component_fields:
            data[fresh[name].html_initial_name] = component.status
            if name not in changed:
                data[name] = component.status
        again = cls(data, incident=incident)
        again.is_valid()
        return again

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "body": data["body"],
            "components": self.component_changes(),
            "display_at": data.get("display_at"),
            "deliver_notifications": data["deliver_notifications"],
            "reopen": data.get("reopen", False),
            "expected_version": data.get("version"),
            # A resolving update promises nothing.
            "next_update_in": None
            if data["status"] == IncidentStatus.RESOLVED
            else data.get("next_update_in"),
        }


def incident_version(incident: Incident) -> int | None:
    """What an update form was written against: the id of the incident's latest timeline
    entry (entries are numbered in the order they are posted)."""
    return incident.updates.order_by("-pk").values_list("pk", flat=True).first()


class IncidentCreateForm(ComponentChangesMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    impact_override = forms.ChoiceField(
        label=_("Impact"),
        choices=[("", _("Follow the components")), *Impact.choices],
        required=False,
        help_text=_("By default the worst status the incident puts a component in."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    body = markdown_field(_("First update"), help_text=_("Markdown."))
    summary = markdown_field(
        _("Summary"), required=False, help_text=_("Markdown. Can be written later.")
    )
    started_at = forms.DateTimeField(
        label=_("Impact started at (UTC)"),
        required=False,
        help_text=_("Empty: the moment you open it."),
    )
    reminder_interval = promise_field(
        _("Promise an update every"),
        help_text=_(
            "Each update then promises the next within this time (it can be changed "
            "per update); you are reminded when a promise passes."
        ),
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
            "reminder_interval": data.get("reminder_interval"),
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
    body = markdown_field(_("Announcement"), help_text=_("Markdown."))
    summary = markdown_field(_("Summary"), required=False, help_text=_("Markdown."))
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
    body = markdown_field(
        _("Message"),
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
