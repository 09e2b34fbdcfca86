"""Translation services: what is refused, what is recorded, what goes stale."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Translation, source_revision
from incidents.services.translations import translations_missing


@pytest.fixture
def incident(make_incident):
    return make_incident(name="Slow logins", summary="Logins took long.")


def test_a_translation_records_its_english_revision(incident, support_user):
    saved = services.translation_save(
        incident, field="name", language="it", text=" Accessi lenti ", actor=support_user
    )
    assert saved.text == "Accessi lenti"
    assert saved.source_revision == source_revision("Slow logins")
    assert saved.machine is False and saved.reviewed_by == support_user
    assert saved.incident == incident
    assert not saved.is_stale and not saved.needs_disclaimer


def test_a_machine_translation_is_unreviewed(incident):
    saved = services.translation_save(
        incident, field="name", language="de", text="Langsame Anmeldungen", machine=True
    )
    assert saved.needs_disclaimer and saved.reviewed_at is None


@pytest.mark.parametrize(
    "field, language",
    [("name", "nl"), ("name", "en"), ("name", "xx-yy"), ("status", "it"), ("nope", "it")],
)
def test_an_unknown_language_or_field_is_refused_and_nothing_changes(incident, field, language):
    with pytest.raises(ValidationError):
        services.translation_save(incident, field=field, language=language, text="Ciao")
    assert not Translation.objects.exists()


def test_an_empty_translation_is_refused(incident):
    with pytest.raises(ValidationError):
        services.translation_save(incident, field="name", language="it", text="  ")
    assert not Translation.objects.exists()


def test_saving_again_replaces_the_translation(incident):
    services.translation_save(incident, field="name", language="it", text="Uno", machine=True)
    services.translation_save(incident, field="name", language="it", text="Due")
    only = Translation.objects.get()
    assert only.text == "Due" and not only.machine


def test_changing_the_english_makes_the_translation_stale(incident):
    saved = services.translation_save(incident, field="summary", language="it", text="Lento.")
    services.incident_edit(incident, summary="Logins took long for an hour.")
    saved.refresh_from_db()
    assert saved.is_stale


def test_marking_reviewed_clears_disclaimer_and_staleness(incident, manager_user):
    saved = services.translation_save(
        incident, field="summary", language="it", text="Lento.", machine=True
    )
    services.incident_edit(incident, summary="Changed.")
    reviewed = services.translation_mark_reviewed(saved, actor=manager_user)
    assert reviewed.reviewed_by == manager_user and reviewed.reviewed_at
    assert not reviewed.needs_disclaimer and not reviewed.is_stale
    assert reviewed.machine  # still says where it came from


def test_missing_lists_every_text_and_language(incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    missing = translations_missing(incident)
    # name, summary, one update body: three texts, six languages, one done.
    assert len(missing) == 3 * 6 - 1
    assert all(reason == "missing" for *_rest, reason in missing)


class Echo:
    def __init__(self):
        self.calls = []

    def translate(self, text, source, target):
        self.calls.append((source, target))
        return f"[{target}] {text}"


def test_fill_machine_translates_what_is_missing_and_leaves_people_alone(incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    backend = Echo()
    made = services.translations_fill_machine(incident, backend)
    assert len(made) == 3 * 6 - 1
    assert all(t.machine for t in made)
    assert Translation.objects.get(field="name", language="it").text == "Accessi lenti"
    assert Translation.objects.get(field="name", language="ja").text == "[ja] Slow logins"
    assert services.translations_fill_machine(incident, backend) == []  # nothing left


def test_fill_machine_refreshes_stale_unreviewed_machine_translations(incident):
    services.translations_fill_machine(incident, Echo())
    services.incident_edit(incident, name="Very slow logins")
    made = services.translations_fill_machine(incident, Echo())
    assert {t.language for t in made} == {"it", "de", "es", "fr", "ja", "pt-br"}
    assert Translation.objects.get(field="name", language="fr").text == "[fr] Very slow logins"


def test_no_backend_configured_queues_nothing(
    settings, make_incident, django_capture_on_commit_callbacks
):
    settings.MACHINE_TRANSLATION_BACKEND = ""
    from unittest import mock

    with (
        mock.patch("incidents.tasks.translate_incident.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        make_incident()
    delay.assert_not_called()


def test_publishing_an_update_queues_machine_translation(
    settings, make_incident, django_capture_on_commit_callbacks
):
    settings.MACHINE_TRANSLATION_BACKEND = "tests.services.test_translations.Echo"
    from unittest import mock

    incident = make_incident()
    with (
        mock.patch("incidents.tasks.translate_incident.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.update_post(incident, status="identified", body="Found it.")
    delay.assert_called_once_with(incident.pk)
