"""Translations of incidents, updates and postmortems, and of the status page's component
and group names and descriptions (English is the source).

Staff write or review translations by hand; a machine translation backend, when configured,
fills in the missing ones after an update or a postmortem is published (`incidents.tasks`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import languages
from ..events import Event, emit
from ..models import (
    TRANSLATABLE_FIELDS,
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    Postmortem,
    RemediationItem,
    Translation,
    source_revision,
)
from ..models.translations import incident_of
from ..worker import send_task


def _max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


# A translation is refused when it is longer than the English field may be: a name goes in a
# heading or a subject line, a component's description under its name.
MAX_LENGTH = {
    (model._meta.model_name, field): _max_length(model, field)
    for model, field in [
        (Incident, "name"),
        (Component, "name"),
        (Component, "description"),
        (ComponentGroup, "name"),
    ]
}


def translatable_fields(obj: models.Model) -> dict[str, bool]:
    """The fields of `obj` that can be translated, each with whether it is Markdown."""
    return TRANSLATABLE_FIELDS.get(obj._meta.concrete_model, {})


def validate_target(obj: models.Model, field: str, language: str) -> None:
    """Refuses a language that is not enabled (or English, the source) and an unknown field."""
    language = language if isinstance(language, str) else ""
    field = field if isinstance(field, str) else ""
    errors = {}
    if language not in languages.translated_codes():
        errors["language"] = _("“%(language)s” is not a language to translate into: %(codes)s.") % {
            "language": language,
            "codes": ", ".join(languages.translated_codes()),
        }
    fields = translatable_fields(obj)
    if field not in fields:
        errors["field"] = _("“%(field)s” cannot be translated. Translatable: %(fields)s.") % {
            "field": field,
            "fields": ", ".join(fields) or "—",
        }
    if errors:
        raise ValidationError(errors)


def validate_text(obj: models.Model, field: str, text: str) -> str:
    """The translation as it would be stored (ends stripped); an empty text, or one longer
    than the field allows, is refused. Forms call it to show the refusal before saving."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationError({"text": _("Write the translation, or delete it.")})
    limit = MAX_LENGTH.get((obj._meta.concrete_model._meta.model_name, field))
    if limit and len(text) > limit:
        raise ValidationError({"text": _("At most %(limit)d characters.") % {"limit": limit}})
    return text


@transaction.atomic
def translation_save(
    obj: models.Model,
    *,
    field: str,
    language: str,
    text: str,
    machine: bool = False,
    actor=None,
) -> Translation:
    """Creates or replaces the translation of `obj.field` into `language`.

    It records the revision of the current English text. A translation by a person
    (`machine=False`) counts as reviewed by `actor`; a machine translation is unreviewed.
    An unknown language or field, or an empty text, is refused and nothing changes. The text
    is stored as written: Markdown fields are rendered through the same sanitizer as English.
    """
    validate_target(obj, field, language)
    text = validate_text(obj, field, text)
    reviewer = actor if (not machine and getattr(actor, "pk", None)) else None
    translation, _created = Translation.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        language=language,
        defaults={
            "incident": incident_of(obj),
            "text": text,
            "machine": machine,
            "reviewed_by": reviewer,
            "reviewed_at": timezone.now() if reviewer or not machine else None,
            "source_revision": source_revision(getattr(obj, field)),
        },
    )
    audited = {"field": field, "language": language, "text": text, "machine": machine}
    emit(Event("translation.save", translation, actor=actor, after=audited))
    return translation


@transaction.atomic
def translation_mark_reviewed(translation: Translation, *, actor=None) -> Translation:
    """Records that a person checked the translation against the current English text.

    The readers' "translated automatically" disclaimer goes, and so does the "English updated
    since" note: the translation now counts as made from the current English revision.
    """
    translation = Translation.objects.select_for_update().get(pk=translation.pk)
    translation.reviewed_by = actor if getattr(actor, "pk", None) else None
    translation.reviewed_at = timezone.now()
    translation.source_revision = source_revision(translation.source_text)
    translation.save(update_fields=["reviewed_by", "reviewed_at", "source_revision", "updated_at"])
    emit(Event("translation.review", translation, actor=actor, after={"reviewed": True}))
    return translation


@transaction.atomic
def translation_delete(translation: Translation, *, actor=None) -> None:
    """Removes a translation; readers get the English text of that field again."""
    emit(Event("translation.delete", translation, actor=actor, before={"text": translation.text}))
    Translation.objects.filter(pk=translation.pk).delete()


def incident_texts(incident: Incident) -> list[tuple[models.Model, str, str]]:
    """Every translatable text of an incident that has English to translate:
    (object, field, English text), in page order."""
    found: list[tuple[models.Model, str, str]] = []
    incident = Incident.with_drafts.get(pk=incident.pk)  # the current English, not a stale copy

    def add(obj):
        for field in translatable_fields(obj):
            text = getattr(obj, field) or ""
            if text.strip():
                found.append((obj, field, text))

    add(incident)
    for update in IncidentUpdate.objects.filter(incident=incident).order_by("display_at", "pk"):
        add(update)
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is not None and postmortem.is_published:
        add(postmortem)
        for item in RemediationItem.objects.filter(postmortem=postmortem):
            add(item)
    return found


def _existing(incident: Incident) -> dict[tuple[int, int, str, str], Translation]:
    return {
        (t.content_type_id, t.object_id, t.field, t.language): t
        for t in Translation.objects.filter(incident=incident)
    }


def translations_missing(incident: Incident) -> list[tuple[models.Model, str, str, str]]:
    """(object, field, language, reason) for every text without a current translation:
    reason is "missing" or "stale"."""
    existing = _existing(incident)
    found = []
    for obj, field, text in incident_texts(incident):
        content_type = ContentType.objects.get_for_model(obj)
        for language in languages.translated_codes():
            row = existing.get((content_type.pk, obj.pk, field, language))
            if row is None:
                found.append((obj, field, language, "missing"))
            elif row.source_revision != source_revision(text):
                found.append((obj, field, language, "stale"))
    return found


def translations_fill_machine(incident: Incident, backend) -> list[Translation]:
    """Machine-translates every text of the incident that has no translation, and replaces
    stale machine translations nobody reviewed. A person's translation is never overwritten.

    Each text is saved on its own, so a backend failure part-way keeps what was done; the
    failure is raised for the caller (the task) to retry.
    """
    existing = _existing(incident)
    made = []
    for obj, field, language, _reason in translations_missing(incident):
        content_type = ContentType.objects.get_for_model(obj)
        row = existing.get((content_type.pk, obj.pk, field, language))
        if row is not None and not row.needs_disclaimer:
            continue  # written or reviewed by a person: theirs to update
        text = backend.translate(
            getattr(obj, field), source=settings.LANGUAGE_CODE, target=language
        )
        if text and text.strip():
            made.append(
                translation_save(obj, field=field, language=language, text=text, machine=True)
            )
    return made


def queue_machine_translation(incident: Incident) -> bool:
    """Asks the worker to fill the incident's missing machine translations; does nothing
    (returns False) when no backend is configured. Runs after the commit of every event that
    wrote public text (see `translate_after`)."""
    if not settings.MACHINE_TRANSLATION_BACKEND:
        return False
    send_task("incidents.tasks.translate_incident", incident.pk)
    return True


def translate_after(event: Event) -> None:
    """The listener that keeps machine translations following the English text."""
    if event.text_of is not None:
        queue_machine_translation(event.text_of)
