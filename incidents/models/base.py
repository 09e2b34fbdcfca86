from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Statuspage's ids are 12 characters of lowercase letters and digits; ours look the same so
# that clients validating them keep working, and are random so they cannot be guessed.
PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits
PUBLIC_ID_LENGTH = 12


def new_public_id() -> str:
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


class PublicIdField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", PUBLIC_ID_LENGTH)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", new_public_id)
        kwargs.setdefault("verbose_name", _("public id"))
        super().__init__(*args, **kwargs)


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Also refuses NUL characters in text, which PostgreSQL cannot store: without this
        check they would pass validation and fail at the database with a server error."""
        errors = {}
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname, None)
            if isinstance(value, str) and "\x00" in value and field.name not in (exclude or ()):
                errors[field.name] = [_("Null characters are not allowed.")]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def choices_constraint(field: str, choices: type[models.TextChoices], name: str):
    """A CHECK constraint keeping `field` inside the values of `choices`."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=name,
        violation_error_message=_("%(field)s must be one of: %(values)s")
        % {"field": field, "values": ", ".join(choices.values)},
    )
