"""The status page's own texts are translated too: a component's name and description and a
group's name, beside the English in their admin pages, through the translation service (which
holds them to the English field's length), listed and edited with the incidents' translations,
and shown on the pod pages in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.models import ComponentGroup, Translation
from tests.conftest import TRANSLATIONS_PREFIX

CHANGELIST = reverse("admin:incidents_translation_changelist")


def editor_url(translation: Translation) -> str:
    return reverse("admin:incidents_translation_change", args=[translation.pk])


def change_url(obj) -> str:
    return reverse(f"admin:incidents_{obj._meta.model_name}_change", args=[obj.pk])


def change_data(client, obj, rows) -> tuple[str, dict]:
    """The change form of a component or group as a browser posts it, with translation rows."""
    url = change_url(obj)
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data.update({
        f"{TRANSLATIONS_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{TRANSLATIONS_PREFIX}-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        f"{TRANSLATIONS_PREFIX}-MIN_NUM_FORMS": "0",
        f"{TRANSLATIONS_PREFIX}-MAX_NUM_FORMS": "1000",
    })  # fmt: skip
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"{TRANSLATIONS_PREFIX}-{n}-{key}"] = value
    return url, data


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in body.split("</tr>") if "<td" in row]  # fmt: skip


@pytest.fixture
def pod(pods):
    pod = pods["Pod 13"]
    pod.description = "Hosts the accounts of Europe."
    return services.component_save(pod)


@pytest.fixture
def group(pods) -> ComponentGroup:
    return pods["Pod 13"].group


# The admin pages of components and groups


def test_staff_translate_a_component_beside_its_english(client, manager_client, manager_user, pod):
    url, data = change_data(manager_client, pod, [
        {"language": "it", "field": "name", "text": "Nodo 13"},
        {"language": "it", "field": "description", "text": "Ospita i conti d'Europa."},
    ])  # fmt: skip
    assert "Translations (English is the source)" in manager_client.get(url).text
    response = manager_client.post(url, data)
    assert response.status_code == 302
    saved = {t.field: t for t in Translation.objects.all()}
    assert {field: t.text for field, t in saved.items()} == {
        "name": "Nodo 13", "description": "Ospita i conti d'Europa.",
    }  # fmt: skip
    assert all(t.incident is None and t.reviewed_by == manager_user for t in saved.values())
    pod.refresh_from_db()
    assert pod.name == "Pod 13"  # the English stays
    italian = client.get("/it/").text
    assert "Nodo 13" in italian and "Ospita i conti d&#x27;Europa." in italian


def test_staff_translate_a_group_name_and_nothing_else_of_it(manager_client, group):
    url, data = change_data(
        manager_client, group, [{"language": "de", "field": "name", "text": "Knoten"}]
    )
    assert manager_client.post(url, data).status_code == 302
    assert Translation.objects.get().text == "Knoten"

    url, data = change_data(
        manager_client, group, [{"language": "de", "field": "description", "text": "Knoten"}]
    )
    assert manager_client.post(url, data).status_code == 200  # the row shows the error
    assert Translation.objects.count() == 1


def test_the_inline_refuses_a_name_longer_than_the_english_may_be(manager_client, pod):
    url, data = change_data(
        manager_client, pod, [{"language": "it", "field": "name", "text": "x" * 256}]
    )
    data["position"] = 7
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "At most 255 characters." in response.text
    assert not Translation.objects.exists()
    pod.refresh_from_db()
    assert pod.position != 7  # nothing of the form was saved


def test_who_may_only_set_the_status_is_not_offered_the_translations(support_client, pod):
    page = support_client.get(change_url(pod)).text
    assert "Translations (English is the source)" not in page
    # A group they may only read shows its translations, read-only.
    services.translation_save(pod.group, field="name", language="it", text="Nodi")
    response = support_client.get(change_url(pod.group))
    assert response.status_code == 200
    assert "Translations (English is the source)" in response.text and "Nodi" in response.text
    assert f'name="{TRANSLATIONS_PREFIX}-0-text"' not in response.text


# The service


@pytest.mark.parametrize(
    "target,field,limit",
    [
        ("component", "name", 255),
        ("component", "description", 2000),
        ("group", "name", 255),
    ],
)
def test_the_service_holds_a_translation_to_the_english_fields_length(
    pod, group, target, field, limit
):
    obj = pod if target == "component" else group
    with pytest.raises(ValidationError) as refused:
        services.translation_save(obj, field=field, language="it", text="x" * (limit + 1))
    assert refused.value.message_dict == {"text": [f"At most {limit} characters."]}
    assert not Translation.objects.exists()
    saved = services.translation_save(obj, field=field, language="it", text="x" * limit)
    assert len(saved.text) == limit


@pytest.mark.parametrize(
    "field,language,text",
    [
        ("position", "it", "Nodo"),  # not a text of the page
        ("status", "it", "Nodo"),
        ("name", "en", "Pod"),  # English is the source
        ("name", "xx", "Nodo"),
        ("name", "it", "   "),
        ("name", "it", None),
        ("name", "it", 13),
        (["name"], ["it"], "Nodo"),
    ],
)
def test_the_service_refuses_bad_input_and_saves_nothing(pod, field, language, text):
    with pytest.raises(ValidationError):
        services.translation_save(pod, field=field, language=language, text=text)
    assert not Translation.objects.exists()


# The translation list and editor


@pytest.fixture
def translated(make_incident, pods, pod, group):
    """An incident and the page's own texts, in Italian."""
    incident = make_incident(name="Slow logins")
    return {
        "incident": services.translation_save(
            incident, field="name", language="it", text="Accessi lenti"
        ),
        "pod name": services.translation_save(pod, field="name", language="it", text="Nodo 13"),
        "pod description": services.translation_save(
            pod, field="description", language="it", text="Ospita i conti d'Europa.", machine=True
        ),
        "other pod": services.translation_save(
            pods["Pod 14"], field="name", language="it", text="Nodo 14", machine=True
        ),
        "group": services.translation_save(group, field="name", language="it", text="Nodi"),
    }


@pytest.fixture(params=["superuser", "support staff"])
def staff_client(request, admin_client, support_client):
    return admin_client if request.param == "superuser" else support_client


def test_the_list_has_a_row_per_component_and_language(staff_client, translated, pod, group):
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert rows(response.text) == [
        "Slow logins Italian Incident: name Reviewed 1 reviewed",
        "Pods Italian Component group: name Reviewed 1 reviewed",
        "Pod 13 Italian Component: name Reviewed "
        "Component: description Machine-translated, not reviewed "
        "1 machine-translated, 1 reviewed",
        "Pod 14 Italian Component: name Machine-translated, not reviewed 1 machine-translated",
    ]
    # The row names what it translates and links to where its English is written.
    assert f'<a href="{change_url(pod)}">Pod 13</a>' in response.text
    assert f'<a href="{change_url(group)}">Pods</a>' in response.text
    assert f'href="{editor_url(translated["pod description"])}"' in response.text


def test_the_list_finds_components_by_name_and_tells_them_from_incidents(staff_client, translated):
    found = staff_client.get(CHANGELIST, {"q": "Pod 13"}).text
    assert [row.split(" Italian")[0] for row in rows(found)] == ["Pod 13"]
    page = staff_client.get(CHANGELIST, {"of": "page"}).text
    assert [row.split(" Italian")[0] for row in rows(page)] == ["Pods", "Pod 13", "Pod 14"]
    incidents = staff_client.get(CHANGELIST, {"of": "incidents"}).text
    assert [row.split(" Italian")[0] for row in rows(incidents)] == ["Slow logins"]
    stale = staff_client.get(CHANGELIST, {"state": "machine", "of": "page"}).text
    assert [row.split(" Italian")[0] for row in rows(stale)] == ["Pod 13", "Pod 14"]


def test_the_editor_shows_a_component_text_beside_its_english(staff_client, translated, pod):
    response = staff_client.get(editor_url(translated["pod description"]))
    assert response.status_code == 200
    page = response.text
    assert "Pod 13, into Italian" in page
    assert "Hosts the accounts of Europe.</div>" in page
    assert f'<a href="{change_url(pod)}">Edit the English</a>' in page
    assert 'href="/it/">View on status page' in page
    assert staff_client.get(editor_url(translated["group"])).status_code == 200


def test_the_editor_saves_a_component_text_and_refuses_one_too_long(
    support_client, support_user, translated
):
    name = translated["pod name"]
    response = support_client.post(editor_url(name), {"text": "x" * 256, "_save": "1"})
    assert response.status_code == 200
    assert "At most 255 characters." in response.text
    response = support_client.post(editor_url(name), {"text": "Nodo tredici", "_save": "1"})
    assert response.status_code == 302
    name.refresh_from_db()
    assert (name.text, name.reviewed_by) == ("Nodo tredici", support_user)


def test_marking_a_component_row_reviewed_marks_that_component_only(support_client, translated):
    response = support_client.post(
        CHANGELIST, {"action": "mark_reviewed", "_selected_action": [translated["pod name"].pk]}
    )
    assert response.status_code == 302
    reviewed = {
        key: Translation.objects.get(pk=t.pk).reviewed_at is not None
        for key, t in translated.items()
    }
    assert reviewed == {
        "incident": True,  # a person's translations are reviewed from the start
        "pod name": True,
        "pod description": True,
        "other pod": False,
        "group": True,
    }


# The pod page


def test_the_pod_page_names_the_pod_in_the_readers_language(client, pod):
    services.translation_save(pod, field="name", language="it", text="Nodo 13")
    italian = client.get("/it/pods/pod-13/").text
    assert re.search(r"<h1>[^<]*Nodo 13[^<]*</h1>", italian)
    assert re.search(r"<title>[^<]*Nodo 13", italian)
    english = client.get("/pods/pod-13/").text
    assert re.search(r"<h1>[^<]*Pod 13[^<]*</h1>", english) and "Nodo 13" not in english


def test_the_pod_page_marks_what_refreshes_while_an_incident_is_open(client, make_incident, pod):
    quiet = client.get("/pods/pod-13/").text
    assert 'data-live="banner"' in quiet and 'data-live="recent"' in quiet
    assert "data-refresh-seconds" not in quiet and "refresh.js" not in quiet
    make_incident(name="Slow logins")
    page = client.get("/pods/pod-13/").text
    for region in ("banner", "sections", "recent"):
        assert page.count(f'data-live="{region}"') == 1, region
    assert re.search(r'<section class="banner[^"]*"[^>]*data-live="banner"', page)
    assert re.search(r'<section class="recent"[^>]*data-live="recent"', page)
    assert "data-refresh-seconds" in page and "incidents/refresh.js" in page
