"""Public forms. They parse input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidents.models import Component, Incident

from .services.subscribers import MAX_EMAIL_LENGTH
from .services.webhooks import MAX_ENDPOINT_LENGTH


class ComponentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Component) -> str:
        return str(obj)


def _components_field() -> ComponentChoiceField:
    return ComponentChoiceField(
        label=_("Components"),
        queryset=Component.objects.select_related("group").order_by(
            "group__position", "group__name", "position", "name"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear of every component."),
    )


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"))
    components = None  # set per instance: the component list changes at run time
    incidents_only = forms.BooleanField(
        label=_("Only the incidents I follow"),
        required=False,
        help_text=_("Hear only of the single incidents you chose to follow."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["components"] = _components_field()
        self.order_fields(["email", "language", "components", "incident", "incidents_only"])


class SubscribeForm(PreferencesForm):
    email = forms.EmailField(label=_("Email address"), max_length=MAX_EMAIL_LENGTH)
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.all(),
        to_field_name="public_id",
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incidents_only"].label = _("Only this incident")
        self.fields["incidents_only"].help_text = _(
            "Hear of this incident until its postmortem, and of nothing else."
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        incident = data.get("incident")
        return {
            "email": data["email"],
            "language": data["language"],
            "components": list(data["components"]),
            "incidents": [incident] if incident else [],
            "incidents_only": bool(incident) and data.get("incidents_only", False),
        }


class WebhookSubscriberForm(forms.Form):
    """Staff add a webhook subscriber; the service validates the URL."""

    endpoint = forms.CharField(
        label=_("Webhook URL"),
        max_length=MAX_ENDPOINT_LENGTH,
        widget=forms.URLInput(attrs={"size": 80}),
        help_text=_("An https URL that answers 2xx to a signed JSON POST."),
    )
    components = None  # set per instance, as above

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["components"] = _components_field()
