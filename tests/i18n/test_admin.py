"""Staff translate beside the source, see what is missing or stale, and mark machine
translations reviewed; every write goes through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Translation
from tests.conftest import TRANSLATIONS_PREFIX


@pytest.fixture
def incident(make_incident):
    return make_incident(name="Slow logins", summary="Logins took long.")


def _change_data(client, incident, rows):
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "started_at_0": incident.started_at.strftime("%Y-%m-%d"),
        "started_at_1": incident.started_at.strftime("%H:%M:%S"),
        "updates-TOTAL_FORMS": "1", "updates-INITIAL_FORMS": "1",
        "updates-MIN_NUM_FORMS": "0", "updates-MAX_NUM_FORMS": "1000",
        "updates-0-id": incident.updates.get().pk, "updates-0-incident": incident.pk,
        f"{TRANSLATIONS_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{TRANSLATIONS_PREFIX}-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        f"{TRANSLATIONS_PREFIX}-MIN_NUM_FORMS": "0",
        f"{TRANSLATIONS_PREFIX}-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"{TRANSLATIONS_PREFIX}-{n}-{key}"] = value
    return url, data


def test_staff_translate_beside_the_source(manager_client, manager_user, incident):
    url, data = _change_data(
        manager_client, incident, [{"language": "it", "field": "name", "text": "Accessi lenti"}]
    )
    page = manager_client.get(url).content.decode()
    assert "Translations (English is the source)" in page
    assert "Missing or stale translations" in page
    response = manager_client.post(url, data)
    assert response.status_code == 302
    saved = Translation.objects.get()
    assert (saved.language, saved.field, saved.text) == ("it", "name", "Accessi lenti")
    assert saved.reviewed_by == manager_user and not saved.machine


def test_the_inline_refuses_a_field_that_cannot_be_translated(manager_client, incident):
    url, data = _change_data(
        manager_client, incident, [{"language": "it", "field": "status", "text": "Risolto"}]
    )
    response = manager_client.post(url, data)
    assert response.status_code == 200  # the form shows the error
    assert not Translation.objects.exists()


def test_marking_a_machine_translation_reviewed_in_the_inline(manager_client, incident):
    saved = services.translation_save(
        incident, field="name", language="it", text="Accessi lenti", machine=True
    )
    url, data = _change_data(
        manager_client,
        incident,
        [{"id": saved.pk, "language": "it", "field": "name", "text": "Accessi lenti",
          "mark_reviewed": "on"}],
    )  # fmt: skip
    assert manager_client.post(url, data).status_code == 302
    saved.refresh_from_db()
    assert saved.reviewed_at is not None and saved.machine


def test_the_list_finds_unreviewed_and_stale_translations_and_marks_them(support_client, incident):
    machine = services.translation_save(
        incident, field="name", language="de", text="Langsam", machine=True
    )
    services.translation_save(incident, field="summary", language="de", text="Lange.")
    services.incident_edit(incident, summary="Changed.")
    changelist = reverse("admin:incidents_translation_changelist")
    unreviewed = support_client.get(changelist + "?reviewed=no").context["cl"].result_list
    assert list(unreviewed) == [machine]
    stale = support_client.get(changelist + "?stale=yes").context["cl"].result_list
    assert [t.field for t in stale] == ["summary"]
    response = support_client.post(
        changelist, {"action": "mark_reviewed", "_selected_action": [machine.pk]}
    )
    assert response.status_code == 302
    machine.refresh_from_db()
    assert machine.reviewed_at is not None


def test_the_incident_page_lists_missing_and_stale_texts(manager_client, incident):
    services.translation_save(incident, field="summary", language="ja", text="遅い。")
    services.incident_edit(incident, summary="Changed.")
    page = manager_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    assert "<td>ja</td><td>Slow logins</td><td>summary</td><td>stale</td>" in page
    assert "<td>it</td><td>Slow logins</td><td>name</td><td>missing</td>" in page


def test_an_anonymous_visitor_and_staff_without_permission_see_no_translations(
    client, db, django_user_model
):
    changelist = reverse("admin:incidents_translation_changelist")
    assert client.get(changelist).status_code == 302  # to the login
    user = django_user_model.objects.create_user("plain", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(changelist).status_code == 403
