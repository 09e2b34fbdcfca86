"""Staff translate side by side: the list has one row per incident and language with readable
names, the editor shows the English with its line breaks beside the translation and its state,
"Save and mark reviewed" does both in one POST, and a new incident's page says nothing is
translated yet in one line."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Translation
from tests.conftest import utc

CHANGELIST = reverse("admin:incidents_translation_changelist")


def editor_url(translation: Translation) -> str:
    return reverse("admin:incidents_translation_change", args=[translation.pk])


@pytest.fixture
def incident(make_incident):
    return make_incident(
        name="Slow logins",
        summary="Logins took long.\nSome were refused.",
        display_at=utc(2024, 3, 21, 20, 59),
        started_at=utc(2024, 3, 21, 20, 50),
    )


@pytest.fixture
def italian(incident):
    """The incident and its first update translated into Italian, by machine."""
    update = incident.updates.get()
    return [
        services.translation_save(incident, field="name", language="it", text="Accessi lenti",
                                  machine=True),
        services.translation_save(incident, field="summary", language="it",
                                  text="Gli accessi erano lenti.\nAlcuni rifiutati.", machine=True),
        services.translation_save(update, field="body", language="it", text="Indaghiamo.",
                                  machine=True),
    ]  # fmt: skip


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("</tr>") if "<td" in row]  # fmt: skip


def test_the_list_has_one_row_per_incident_and_language_with_readable_names(
    support_client, incident, italian
):
    services.postmortem_save_draft(incident, root_cause="A bad deploy.")
    services.translation_save(
        incident.postmortem, field="root_cause", language="it", text="Un rilascio errato."
    )
    services.translation_save(incident, field="name", language="de", text="Langsame Anmeldungen")
    page = support_client.get(CHANGELIST).text
    assert rows(page) == [
        "Slow logins German Incident: name Reviewed 1 reviewed",
        "Slow logins Italian Incident: name Machine-translated, not reviewed "
        "Incident: summary Machine-translated, not reviewed "
        "Update of 20:59 UTC | 13:59 PT Machine-translated, not reviewed "
        "Postmortem: root cause analysis Reviewed "
        "3 machine-translated, 1 reviewed",
    ]
    assert ">it<" not in page and "body [it]" not in page
    # Each text of a row opens its own editor.
    assert f'href="{editor_url(italian[2])}"' in page


def test_the_list_filters_by_language_and_state(support_client, incident, italian):
    services.translation_save(incident, field="name", language="de", text="Langsam")
    services.incident_edit(incident, summary="Changed.")
    german = support_client.get(CHANGELIST + "?language=de").text
    assert [row.split(" Incident")[0] for row in rows(german)] == ["Slow logins German"]
    stale = support_client.get(CHANGELIST + "?state=stale").text
    assert rows(stale) == [
        "Slow logins Italian Incident: summary Stale: the English changed since 1 stale"
    ]
    reviewed = support_client.get(CHANGELIST + "?state=reviewed").text
    assert rows(reviewed) == ["Slow logins German Incident: name Reviewed 1 reviewed"]
    # The filter sidebar names the languages and the states.
    assert ">Italian</a>" in german and ">Machine-translated, not reviewed</a>" in german


def test_marking_a_row_reviewed_marks_each_of_its_texts(support_client, italian):
    response = support_client.post(
        CHANGELIST, {"action": "mark_reviewed", "_selected_action": [italian[0].pk]}
    )
    assert response.status_code == 302
    assert all(t.reviewed_at for t in Translation.objects.filter(language="it"))


def test_the_editor_shows_the_source_with_its_line_breaks_beside_the_translation(
    support_client, italian
):
    summary = italian[1]
    response = support_client.get(editor_url(summary))
    assert response.status_code == 200
    page = response.text
    assert (
        '<div lang="en" class="translation-source" id="translation-source">'
        "Logins took long.\nSome were refused.</div>"
    ) in page
    assert "Italian translation" in page
    assert "Gli accessi erano lenti.\nAlcuni rifiutati.</textarea>" in page
    assert "Machine-translated, not reviewed" in page
    assert "/static/incidents/admin/translations.css" in page
    assert 'value="Save and mark reviewed"' in page
    # Nothing on the page relies on an inline style (the CSP blocks them).
    assert not re.search(r"<[^>]+\sstyle=", page)


def test_the_editor_says_when_the_english_changed(support_client, incident, italian):
    services.incident_edit(incident, summary="Logins are slow again.")
    page = support_client.get(editor_url(italian[1])).text
    assert "Stale: the English changed since" in page
    assert "Logins are slow again.</div>" in page


def test_save_and_mark_reviewed_in_one_post(support_client, support_user, incident, italian):
    services.incident_edit(incident, summary="Logins are slow again.")
    summary = italian[1]
    response = support_client.post(
        editor_url(summary), {"text": summary.text, "_mark_reviewed": "Save and mark reviewed"}
    )
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.reviewed_by == support_user and summary.reviewed_at is not None
    assert not summary.is_stale and summary.text == "Gli accessi erano lenti.\nAlcuni rifiutati."
    page = support_client.get(response.url).text
    assert "Saved and marked reviewed: Incident: summary (Italian)." in page


def test_save_and_mark_reviewed_with_a_corrected_text(support_client, support_user, italian):
    name = italian[0]
    response = support_client.post(
        editor_url(name), {"text": "Accessi molto lenti", "_mark_reviewed": "1"}
    )
    assert response.status_code == 302
    name.refresh_from_db()
    assert (name.text, name.machine, name.reviewed_by) == (
        "Accessi molto lenti", False, support_user,
    )  # fmt: skip


def test_saving_unchanged_text_does_not_mark_it_reviewed(support_client, italian):
    name = italian[0]
    assert (
        support_client.post(editor_url(name), {"text": name.text, "_save": "Save"}).status_code
        == 302
    )
    name.refresh_from_db()
    assert name.machine and name.reviewed_at is None


def test_the_editor_refuses_an_empty_translation(support_client, italian):
    name = italian[0]
    response = support_client.post(editor_url(name), {"text": "  ", "_mark_reviewed": "1"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    name.refresh_from_db()
    assert name.text == "Accessi lenti" and name.reviewed_at is None


def test_the_editor_refuses_an_incident_name_too_long(support_client, italian):
    response = support_client.post(editor_url(italian[0]), {"text": "x" * 256, "_save": "1"})
    assert response.status_code == 200
    assert "At most 255 characters." in response.text


def incident_page(client, incident) -> str:
    return client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).text


def test_a_new_incident_offers_to_start_a_translation_in_one_line(manager_client, incident):
    page = incident_page(manager_client, incident)
    assert "Not translated yet (readers see the English)." in page
    assert 'href="#incidents-translation-content_type-object_id-group">Start a translation' in page
    assert '<table class="translation-missing">' not in page
    assert 'id="incidents-translation-content_type-object_id-group"' in page  # the link's target


def test_a_complete_language_shows_no_table(manager_client, incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    services.translation_save(incident, field="summary", language="it", text="Lenti.")
    services.translation_save(
        incident.updates.get(), field="body", language="it", text="Indaghiamo."
    )
    page = incident_page(manager_client, incident)
    assert "Up to date in Italian; not started in German, Spanish" in page
    assert '<table class="translation-missing">' not in page


def test_a_started_but_incomplete_language_shows_the_table(manager_client, incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    page = incident_page(manager_client, incident)
    assert '<table class="translation-missing">' in page
    assert "<td>it</td><td>Slow logins</td><td>summary</td><td>missing</td>" in page
