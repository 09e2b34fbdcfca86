"""Translations in the admin: beside the English source (inlines on incidents, updates,
postmortems and remediation items), a list of them with stale and unreviewed filters, and
"mark reviewed". Every save goes through the translation services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import languages, services
from ..models import Translation, source_revision
from ..services.translations import translatable_fields, translations_missing
from .mixins import ServiceDeleteMixin, save_formset_through_services


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

    def __init__(self, *args, parent_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [(c, names[c]) for c in languages.translated_codes()]
        self.fields["field"].choices = [(f, f) for f in parent_fields]


class TranslationInline(GenericTabularInline):
    """One row per language and field, under the English text it translates."""

    model = Translation
    form = TranslationForm
    fields = ["language", "field", "text", "state", "mark_reviewed"]
    readonly_fields = ["state"]
    extra = 0
    verbose_name_plural = _("translations (English is the source)")

    def get_formset(self, request, obj=None, **kwargs):
        parent_fields = list(translatable_fields(obj)) if obj is not None else []
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            "BoundTranslationForm",
            (self.form,),
            {"__init__": _with_fields(self.form.__init__, parent_fields)},
        )
        return formset

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return translation_state(obj)


def _with_fields(init, parent_fields):
    def __init__(self, *args, **kwargs):
        init(self, *args, parent_fields=parent_fields, **kwargs)

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


class StaleFilter(admin.SimpleListFilter):
    title = _("English changed since")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", _("stale")), ("no", _("current"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        stale = [t.pk for t in queryset.prefetch_related("content_object") if t.is_stale]
        if self.value() == "yes":
            return queryset.filter(pk__in=stale)
        return queryset.exclude(pk__in=stale)


class ReviewedFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", _("machine, not reviewed")), ("yes", _("reviewed"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(machine=True, reviewed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


@admin.register(Translation)
class TranslationAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    """Every translation, to find the unreviewed and stale ones; edited beside their source."""

    list_display = ["incident", "field", "language", "machine", "reviewed_at", "is_current"]
    list_filter = ["language", "machine", ReviewedFilter, StaleFilter]
    list_select_related = ["incident"]
    search_fields = ["text", "incident__name"]
    fields = ["incident", "field", "language", "source", "text", "machine", "reviewed_by",
              "reviewed_at"]  # fmt: skip
    readonly_fields = ["incident", "field", "language", "source", "machine", "reviewed_by",
                       "reviewed_at"]  # fmt: skip
    actions = ["mark_reviewed"]
    delete_service = services.translation_delete

    class Media:
        css = {"all": ["incidents/admin/translations.css"]}

    def has_add_permission(self, request):
        return False  # translations are added beside their source

    @admin.display(description=_("current"), boolean=True)
    def is_current(self, obj):
        return obj.source_revision == source_revision(obj.source_text)

    @admin.display(description=_("English source"))
    def source(self, obj):
        return format_html('<div lang="en" class="translation-source">{}</div>', obj.source_text)

    def save_model(self, request, obj, form, change):
        services.translation_save(
            obj.content_object,
            field=obj.field,
            language=obj.language,
            text=form.cleaned_data["text"],
            actor=request.user,
        )

    @admin.action(description=_("Mark as reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        for translation in queryset:
            services.translation_mark_reviewed(translation, actor=request.user)
        self.message_user(request, _("Marked as reviewed."), messages.SUCCESS)


def missing_translations_table(incident) -> str:
    """The incident's texts without a current translation, per language."""
    rows = translations_missing(incident)
    if not rows:
        return format_html("<p>{}</p>", _("Every text is translated into every language."))
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>",
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
                for obj, field, language, reason in rows
            ),
        ),
    )
