"""Translations in the admin: beside the English source (inlines on incidents, updates,
postmortems, remediation items, components and component groups), a list of them with stale
and unreviewed filters, and "mark reviewed". Every save goes through the translation
services."""

from __future__ import annotations

from collections import Counter, defaultdict

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import BigIntegerField, Case, F, Min, Q, When
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from .. import languages, services, timefmt
from ..models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentKind,
    IncidentUpdate,
    Postmortem,
    RemediationItem,
    Translation,
)
from ..services.translations import translatable_fields, translations_missing, validate_text
from .mixins import ServiceDeleteMixin, save_formset_through_services

# The prefix of the translation inline's formset (its group's id is "<prefix>-group").
TRANSLATIONS_PREFIX = "incidents-translation-content_type-object_id"


class TranslationForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("language"))
    field = forms.ChoiceField(label=_("field"))
    mark_reviewed = forms.BooleanField(
        label=_("mark reviewed"),
        required=False,
        help_text=_("Checked against the current English text."),
    )

    class Meta:
        model = Translation
        fields = ["language", "field", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, parent=None, parent_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(c, names[c]) for c in languages.translated_codes()]
        self.fields["field"].choices = [(f, f) for f in parent_fields]

    def clean(self):
        """The service's own refusals (a text too long for its field), shown on the row
        before anything is saved."""
        data = super().clean()
        field, text = data.get("field"), data.get("text")
        if self.parent is not None and field and text:
            try:
                data["text"] = validate_text(self.parent, field, text)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class TranslationInline(GenericTabularInline):
    """One row per language and field, under the English text it translates."""

    model = Translation
    form = TranslationForm
    fields = ["language", "field", "text", "state", "mark_reviewed"]
    readonly_fields = ["state"]
    extra = 0
    verbose_name_plural = _("translations (English is the source)")

    class Media:
        css = {"all": ["incidents/admin/translations.css"]}

    def get_formset(self, request, obj=None, **kwargs):
        parent_fields = list(translatable_fields(obj)) if obj is not None else []
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            "BoundTranslationForm",
            (self.form,),
            {"__init__": _with_fields(self.form.__init__, obj, parent_fields)},
        )
        return formset

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return translation_state(obj)


def _with_fields(init, parent, parent_fields):
    def __init__(self, *args, **kwargs):
        init(self, *args, parent=parent, parent_fields=parent_fields, **kwargs)

    return __init__


def translation_state(translation: Translation) -> str:
    parts = [str(_("machine")) if translation.machine else str(_("by a person"))]
    parts.append(str(_("reviewed")) if translation.reviewed_at else str(_("not reviewed")))
    if translation.is_stale:
        parts.append(str(_("stale: the English changed")))
    return ", ".join(parts)


class TranslationsAdminMixin:
    """Saves the translation inline through the services; other inlines as before."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Translation:
            return super().save_formset(request, form, formset, change)
        parent, actor = form.instance, request.user

        def save(subform):
            data, translation = subform.cleaned_data, subform.instance
            if translation.pk is None or {"text", "language", "field"} & set(subform.changed_data):
                translation = services.translation_save(
                    parent,
                    field=data["field"],
                    language=data["language"],
                    text=data["text"],
                    actor=actor,
                )
            if data.get("mark_reviewed"):
                translation = services.translation_mark_reviewed(translation, actor=actor)
            return translation

        save_formset_through_services(
            request,
            formset,
            add=save,
            update=save,
            delete=lambda translation: services.translation_delete(translation, actor=actor),
        )


STATES = {
    "stale": "Stale: the English changed since",
    "machine": "Machine-translated, not reviewed",
    "reviewed": "Reviewed",
    "unreviewed": "Not reviewed",
}


def state_of(translation: Translation) -> str:
    """The one state a translator acts on: stale first (whatever its origin, it no longer
    says what the English says), then an unreviewed machine translation, then reviewed."""
    if translation.is_stale:
        return "stale"
    if translation.needs_disclaimer:
        return "machine"
    return "reviewed" if translation.reviewed_at else "unreviewed"


def state_badge(state: str) -> str:
    return format_html(
        '<span class="translation-state translation-state-{}">{}</span>', state, STATES[state]
    )


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def text_label(obj, field: str) -> str:
    """What a translated text is, as staff know it: "Incident: summary", "Update of
    20:59 UTC | 13:59 PT", "Postmortem: root cause analysis", "Remediation item: “…”"."""
    if obj is None:
        return f"{field} (its English text is gone)"
    if isinstance(obj, IncidentUpdate):
        return f"Update of {timefmt.stamp(obj.display_at)}"
    meta = obj._meta
    if isinstance(obj, RemediationItem):
        return f"{capfirst(meta.verbose_name)}: “{Truncator(obj.description).chars(50)}”"
    try:
        name = meta.get_field(field).verbose_name
    except FieldDoesNotExist:
        name = field
    return f"{capfirst(meta.verbose_name)}: {name}"


def source_admin_url(obj) -> str | None:
    """The admin page where the English text of `obj` is written, if there is one."""
    if obj is None:
        return None
    model = obj._meta.model_name
    if isinstance(obj, Incident) and obj.kind == IncidentKind.MAINTENANCE:
        model = "maintenance"
    try:
        return reverse(f"admin:incidents_{model}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


# Page order of the translated objects: the incident, its updates, the postmortem, its items.
_PAGE_ORDER = {Incident: 0, IncidentUpdate: 1, Postmortem: 2, RemediationItem: 3}

# The list has one row per incident and language; the texts of the status page itself (a
# component's name and description, a group's name) belong to no incident: one row per
# component or group and language. These are that object, and nothing for an incident's texts.
PAGE_TEXT_TYPE = Case(
    When(incident__isnull=True, then=F("content_type")), output_field=BigIntegerField()
)
PAGE_TEXT_OBJECT = Case(
    When(incident__isnull=True, then=F("object_id")), output_field=BigIntegerField()
)


def row_key(translation: Translation) -> tuple:
    """Which row of the list a translation is in."""
    if translation.incident_id is not None:
        return (translation.incident_id, None, None, translation.language)
    return (None, translation.content_type_id, translation.object_id, translation.language)


def row_filter(row: Translation) -> Q:
    """Every translation in the same row of the list as `row`."""
    if row.incident_id is not None:
        return Q(incident_id=row.incident_id, language=row.language)
    return Q(
        incident__isnull=True,
        content_type_id=row.content_type_id,
        object_id=row.object_id,
        language=row.language,
    )


def holder_of(translation: Translation):
    """What a row of the list is about: the translation's incident, or the component or group
    whose text it translates (None when that is gone)."""
    if translation.incident_id is not None:
        return translation.incident
    return translation.content_object


def holder_name(holder) -> str:
    return holder.name if holder is not None else "(its English text is gone)"


def _page_order(translation: Translation):
    obj = translation.content_object
    model = type(obj)._meta.concrete_model if obj is not None else None
    fields = list(translatable_fields(obj)) if obj is not None else []
    within = (
        obj.display_at
        if isinstance(obj, IncidentUpdate)
        else getattr(obj, "position", 0)
        if obj is not None
        else 0
    )
    return (
        _PAGE_ORDER.get(model, 9),
        str(within),
        translation.object_id,
        fields.index(translation.field) if translation.field in fields else 99,
    )


class LanguageFilter(admin.SimpleListFilter):
    title = "language"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return [(code, language_name(code)) for code in languages.translated_codes()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(language=self.value())
        return queryset


class StateFilter(admin.SimpleListFilter):
    """Machine-translated, stale or reviewed. The older "?reviewed=" and "?stale=" links
    still work."""

    title = "state"
    parameter_name = "state"
    LEGACY = {("reviewed", "no"): "machine", ("reviewed", "yes"): "reviewed",
              ("stale", "yes"): "stale", ("stale", "no"): "current"}  # fmt: skip

    def __init__(self, request, params, model, model_admin):
        for name in ("reviewed", "stale"):
            if name in params:
                value = params.pop(name)[-1]
                if (name, value) in self.LEGACY:
                    params.setdefault(self.parameter_name, [self.LEGACY[name, value]])
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(state, STATES[state]) for state in ("machine", "stale", "reviewed")]

    def expected_parameters(self):
        return [self.parameter_name, "reviewed", "stale"]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "machine":
            return queryset.filter(machine=True, reviewed_at__isnull=True)
        if value not in ("stale", "current", "reviewed"):
            return queryset
        stale = [t.pk for t in queryset.prefetch_related("content_object") if t.is_stale]
        if value == "stale":
            return queryset.filter(pk__in=stale)
        queryset = queryset.exclude(pk__in=stale)
        return queryset.filter(reviewed_at__isnull=False) if value == "reviewed" else queryset


class TranslationChangeList(ChangeList):
    """One row per incident and language (per component or group and language for the texts
    of the page itself). The row is its first translation (the one the checkbox selects);
    `row.texts` holds every translation of the row the filters keep, in page order, and
    `row.holder` what the row is about."""

    def get_queryset(self, request, exclude_parameters=None):
        texts = super().get_queryset(request, exclude_parameters)
        if exclude_parameters is None:
            self.texts = texts
        firsts = (
            texts.order_by()
            .annotate(page_type=PAGE_TEXT_TYPE, page_object=PAGE_TEXT_OBJECT)
            .values("incident", "language", "page_type", "page_object")
            .annotate(first=Min("pk"))
            .values("first")
        )
        return texts.filter(pk__in=firsts)

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        found = defaultdict(list)
        if rows:
            members = Q(incident__in={row.incident_id for row in rows if row.incident_id})
            for row in rows:
                if row.incident_id is None:
                    members |= row_filter(row)
            for translation in self.texts.filter(
                members, language__in={row.language for row in rows}
            ).prefetch_related("content_object"):
                found[row_key(translation)].append(translation)
        for row in rows:
            row.texts = sorted(found[row_key(row)], key=_page_order) or [row]
            row.holder = row.incident if row.incident_id else row.texts[0].content_object
        self.result_list = rows


class TextOfFilter(admin.SimpleListFilter):
    """The texts of incidents, or those of the page itself (components and their groups)."""

    title = "text of"
    parameter_name = "of"

    def lookups(self, request, model_admin):
        return [("incidents", "Incidents"), ("page", "Components and groups")]

    def queryset(self, request, queryset):
        if self.value() == "incidents":
            return queryset.filter(incident__isnull=False)
        if self.value() == "page":
            return queryset.filter(incident__isnull=True)
        return queryset


@admin.register(Translation)
class TranslationAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    """Every translation, one row per incident and language (per component or group and
    language for the page's own texts), to find the unreviewed and stale ones; each text is
    edited beside its English source."""

    list_display = ["incident_name", "language_name", "texts", "summary"]
    list_display_links = None  # each text of a row links to its own editor
    list_filter = [LanguageFilter, StateFilter, TextOfFilter]
    list_select_related = ["incident"]
    search_fields = ["text", "incident__name"]
    # The newest incidents first, then the components' and groups' texts.
    ordering = [
        F("incident__started_at").desc(nulls_last=True),
        "incident_id",
        PAGE_TEXT_TYPE,
        PAGE_TEXT_OBJECT,
        "language",
    ]
    show_full_result_count = False  # the total would count texts, not rows
    fields = ["text"]
    actions = ["mark_reviewed"]
    delete_service = services.translation_delete

    class Media:
        css = {"all": ["incidents/admin/translations.css"]}

    def has_add_permission(self, request):
        return False  # translations are added beside their source

    def get_changelist(self, request, **kwargs):
        return TranslationChangeList

    def get_search_results(self, request, queryset, search_term):
        """Also the translations of the components and groups whose name matches."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            for model in (Component, ComponentGroup):
                found |= queryset.filter(
                    incident__isnull=True,
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=model.objects.filter(name__icontains=term).values("pk"),
                )
        return found, may_have_duplicates

    @admin.display(description="incident or component")
    def incident_name(self, row):
        holder = getattr(row, "holder", None) or holder_of(row)
        url = source_admin_url(holder)
        if url is None:
            return holder_name(holder)
        return format_html('<a href="{}">{}</a>', url, holder_name(holder))

    @admin.display(description="language")
    def language_name(self, row):
        return format_html('<span lang="{}">{}</span>', row.language, language_name(row.language))

    @admin.display(description="translated texts")
    def texts(self, row):
        return format_html(
            '<ul class="translation-texts">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a> {}</li>',
                (
                    (
                        reverse("admin:incidents_translation_change", args=[t.pk]),
                        text_label(t.content_object, t.field),
                        state_badge(state_of(t)),
                    )
                    for t in row.texts
                ),
            ),
        )

    @admin.display(description="state")
    def summary(self, row):
        counts = Counter(state_of(t) for t in row.texts)
        parts = [
            f"{counts[state]} {label}"
            for state, label in (
                ("stale", "stale"),
                ("machine", "machine-translated"),
                ("unreviewed", "not reviewed"),
                ("reviewed", "reviewed"),
            )
            if counts[state]
        ]
        return ", ".join(parts)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, form=TranslationEditForm, **kwargs)
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        translation = self.get_object(request, object_id)
        if translation is not None:
            label = text_label(translation.content_object, translation.field)
            language = language_name(translation.language)
            state = state_of(translation)
            extra_context = {
                **(extra_context or {}),
                "title": f"Translate {label}",
                "subtitle": f"{holder_name(holder_of(translation))}, into {language}",
                "text_label": label,
                "language_name": language,
                "source_text": translation.source_text or "",
                "source_url": source_admin_url(translation.content_object),
                "state": state,
                "state_label": STATES[state],
                "translation": translation,
                "review_button": REVIEW,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Changed text is saved as the person's translation of the current English (the
        service counts it as reviewed); unchanged text is marked reviewed only when asked."""
        if "text" in form.changed_data:
            services.translation_save(
                obj.content_object,
                field=obj.field,
                language=obj.language,
                text=form.cleaned_data["text"],
                actor=request.user,
            )
        elif REVIEW in request.POST:
            services.translation_mark_reviewed(obj, actor=request.user)

    def response_change(self, request, obj):
        if REVIEW in request.POST:
            label = text_label(obj.content_object, obj.field)
            self.message_user(
                request,
                f"Saved and marked reviewed: {label} ({language_name(obj.language)}).",
                messages.SUCCESS,
            )
            return self.response_post_save_change(request, obj)
        return super().response_change(request, obj)

    @admin.action(description="Mark as reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        """Marks every translation of the selected rows (those the filters show)."""
        changelist = self.get_changelist_instance(request)
        rows = Q(pk__in=[])
        for row in queryset:
            rows |= row_filter(row)
        for translation in changelist.texts.filter(rows):
            services.translation_mark_reviewed(translation, actor=request.user)
        self.message_user(request, "Marked as reviewed.", messages.SUCCESS)


# The name of the editor's "Save and mark reviewed" button.
REVIEW = "_mark_reviewed"


class TranslationEditForm(forms.ModelForm):
    """The editor's one field: the translation, in its language, as tall as its source."""

    class Meta:
        model = Translation
        fields = ["text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        lines = (instance.source_text or "").count("\n") + 1 if instance.pk else 1
        self.fields["text"].label = f"{language_name(instance.language)} translation"
        self.fields["text"].widget = forms.Textarea(
            attrs={
                "rows": min(max(lines + 2, 6), 30),
                "lang": instance.language,
                "class": "translation-target",
                "aria-describedby": "translation-state",
            }
        )

    def clean_text(self):
        instance = self.instance
        try:
            return validate_text(instance.content_object, instance.field, self.cleaned_data["text"])
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("text", error.messages)) from None


def missing_translations_table(incident) -> str:
    """What the incident page says of its translations.

    The table of texts without a current translation (per language) only when there is
    something to act on: a stale translation, or a language that was started but is not
    complete. Otherwise one line: which languages are complete, and a link to start one.
    """
    rows = translations_missing(incident)
    started = set(Translation.objects.filter(incident=incident).values_list("language", flat=True))
    stale = [row for row in rows if row[3] == "stale"]
    incomplete = {language for _obj, _field, language, _reason in rows} & started
    untouched = [code for code in languages.translated_codes() if code not in started]
    start = format_html(
        '<a class="translation-start" href="#{}-group">{}</a>',
        TRANSLATIONS_PREFIX,
        "Start a translation",
    )
    if not stale and not incomplete:
        complete = [code for code in languages.translated_codes() if code in started]
        if not untouched:
            return format_html(
                '<p class="translation-summary">{}</p>',
                "Every text is translated into every language.",
            )
        if not complete:
            return format_html(
                '<p class="translation-summary">{} {}</p>',
                "Not translated yet (readers see the English).",
                start,
            )
        return format_html(
            '<p class="translation-summary">Up to date in {}; not started in {}. {}</p>',
            ", ".join(language_name(code) for code in complete),
            ", ".join(language_name(code) for code in untouched),
            start,
        )
    missing = len(rows) - len(stale)
    order = {code: n for n, code in enumerate(languages.translated_codes())}
    return format_html(
        '<p class="translation-summary">{} stale, {} missing. {}</p>'
        '<table class="translation-missing"><thead><tr>'
        "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        len(stale),
        missing,
        start,
        _("language"),
        _("text"),
        _("field"),
        _("state"),
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    language,
                    str(obj)[:60],
                    field,
                    _("missing") if reason == "missing" else _("stale"),
                )
                # Stale first, then the languages started, then the others; by language.
                for obj, field, language, reason in sorted(
                    rows,
                    key=lambda row: (row[3] != "stale", row[2] not in started, order[row[2]]),
                )
            ),
        ),
    )
