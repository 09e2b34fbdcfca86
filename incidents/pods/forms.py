"""Forms: the public lookup and the staff CSV upload. They parse input; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_IDENTIFIER_LENGTH

# Generous for a pasted address (`https://acme.example.com/agent/tickets/...`); still bounded.
MAX_LOOKUP_LENGTH = 255
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class LookupForm(forms.Form):
    account = forms.CharField(
        label=_("Your account's address or subdomain"),
        max_length=MAX_LOOKUP_LENGTH,
        help_text=_("For example “acme” or “acme.example.com”."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One account per line: the account's subdomain (or address), then its pod by name "
            "(“Pod 13”), slug (“pod-13”) or id. A first line “account,pod” is skipped. "
            "Identifiers are at most %(max)d characters."
        )
        % {"max": MAX_IDENTIFIER_LENGTH},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it."))
        return upload
