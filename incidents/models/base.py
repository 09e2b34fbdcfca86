from __future__ import annotations

import secrets
import string
from datetime import UTC, date, datetime, time

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
        """Also refuses what a field type alone lets through and the database or the pages
        cannot take: NUL characters (PostgreSQL cannot store them), lone surrogates (not
        UTF-8), text over its field's `max_length` (Django checks it for CharField only), and
        dates outside the years a status page can mean (year 9999 at -12:00 is year 10000 in
        UTC, which PostgreSQL stores and Python cannot read back)."""
        errors = {}
        for field in self._meta.concrete_fields:
            if field.name in (exclude or ()):
                continue
            problem = _problem(field, getattr(self, field.attname, None))
            if problem:
                errors[field.name] = [problem]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


# Text lengths (characters): a message on the timeline, a long document (a postmortem
# section), a short description. Generous for people, bounded for the pages that show them.
MESSAGE_LENGTH = 25_000
DOCUMENT_LENGTH = 100_000
DESCRIPTION_LENGTH = 2_000
# The dates a status page can mean: impact windows, maintenance, start dates, due dates.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def _problem(field: models.Field, value) -> str | None:
    if isinstance(value, str):
        if "\x00" in value:
            return _("Null characters are not allowed.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _("This text is not valid Unicode (it holds a lone surrogate).")
        limit = field.max_length
        if isinstance(field, models.TextField) and limit and len(value) > limit:
            return _("At most %(limit)s characters (this has %(length)s).") % {
                "limit": f"{limit:,}",
                "length": f"{len(value):,}",
            }
    elif isinstance(value, date) and not plausible_date(value):
        return out_of_range_message()
    return None


def plausible_date(value: date) -> bool:
    """Whether a date or an instant (in UTC) lies between EARLIEST_DATE and LATEST_DATE."""
    if isinstance(value, datetime):
        low = datetime.combine(EARLIEST_DATE, time.min, tzinfo=UTC)
        high = datetime.combine(LATEST_DATE, time.max, tzinfo=UTC)
        if value.tzinfo is None:
            low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
        return low <= value <= high
    return EARLIEST_DATE <= value <= LATEST_DATE


def out_of_range_message() -> str:
    return _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST_DATE.isoformat(),
        "latest": LATEST_DATE.isoformat(),
    }


def choices_constraint(field: str, choices: type[models.TextChoices], name: str):
    """A CHECK constraint keeping `field` inside the values of `choices`."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=name,
        violation_error_message=_("%(field)s must be one of: %(values)s")
        % {"field": field, "values": ", ".join(choices.values)},
    )
