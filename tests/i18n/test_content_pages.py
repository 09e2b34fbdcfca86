"""Translated incidents on the pages, in emails, feeds and the API: English authoritative."""

from __future__ import annotations

import feedparser
import pytest

from incidents import services
from incidents.models import IncidentUpdate

CHANGED = "The English version has been updated since this translation."


@pytest.fixture
def incident(make_incident):
    return make_incident(name="Slow logins", summary="Logins took **long**.", body="Looking.")


def page(client, incident, lang="it"):
    return client.get(f"/{lang}/incidents/{incident.public_id}/").content.decode()


def test_a_translated_field_shows_and_a_missing_one_falls_back_per_field(client, incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    html = page(client, incident)
    assert "<h1>Accessi lenti</h1>" in html
    assert "Logins took <strong>long</strong>." in html  # summary: English
    assert html.count("Questa parte è disponibile solo in inglese.") == 2  # summary and update
    assert '<div class="prose" lang="en">' in html


def test_a_human_translation_carries_no_disclaimer(client, incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    assert "translation-disclaimer" not in page(client, incident)


def test_a_machine_translation_says_english_is_authoritative_and_links_it(client, incident):
    update = IncidentUpdate.objects.get(incident=incident)
    services.translation_save(update, field="body", language="it", text="Stiamo guardando.",
                              machine=True)  # fmt: skip
    html = page(client, incident)
    assert "translation-disclaimer" in html
    assert "tradotte automaticamente" in html
    assert (
        f'<a href="/incidents/{incident.public_id}/" hreflang="en" lang="en">versione inglese'
        in html
    )
    services.translation_mark_reviewed(incident.translations.get())
    assert "translation-disclaimer" not in page(client, incident)


def test_a_translation_of_an_older_english_revision_says_so(client, incident):
    services.translation_save(incident, field="summary", language="fr", text="Lent.")
    assert "stale-note" not in page(client, incident, "fr")
    services.incident_edit(incident, summary="Logins took long, for an hour.")
    html = page(client, incident, "fr")
    assert "La version anglaise a été mise à jour depuis cette traduction." in html
    assert "Lent." in html


def test_english_pages_ignore_translations(client, incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti",
                              machine=True)  # fmt: skip
    html = client.get(f"/incidents/{incident.public_id}/").content.decode()
    assert "Accessi lenti" not in html and "translation-disclaimer" not in html
    assert "only available in English" not in html


def test_translated_markdown_goes_through_the_sanitizer(client, incident):
    services.translation_save(
        incident,
        field="summary",
        language="it",
        text="Ciao <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    html = page(client, incident)
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html


def test_a_translated_name_is_escaped(client, incident):
    services.translation_save(incident, field="name", language="it", text="<b>Accessi</b>")
    assert "&lt;b&gt;Accessi&lt;/b&gt;" in page(client, incident)


def test_the_status_page_lists_translated_names(client, incident):
    services.translation_save(incident, field="name", language="es", text="Inicios lentos")
    assert "Inicios lentos" in client.get("/es/").content.decode()
    assert "Inicios lentos" not in client.get("/").content.decode()


def test_emails_use_the_subscribers_language_and_say_when_machine_made(incident):
    from incidents.notifications.emails import render_notification
    from incidents.notifications.models import Notification

    update = IncidentUpdate.objects.get(incident=incident)
    services.translation_save(incident, field="name", language="it", text="Accessi lenti",
                              machine=True)  # fmt: skip
    services.translation_save(update, field="body", language="it", text="Stiamo indagando.",
                              machine=True)  # fmt: skip
    notification = Notification.objects.get(incident=incident)
    italian = render_notification(notification, "it")
    assert "Accessi lenti" in italian.subject and "Nuovo incidente" in italian.subject
    assert "Stiamo indagando." in italian.text and "Stiamo indagando." in italian.html
    assert "tradotto automaticamente" in italian.text
    assert f"/incidents/{incident.public_id}/" in italian.text  # the English version
    german = render_notification(notification, "de")
    assert "Slow logins" in german.subject and "Looking." in german.text
    assert "maschinell" not in german.text


def test_each_language_has_its_feed(client, incident):
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    italian = feedparser.parse(client.get("/it/history.atom").content)
    assert italian.entries[0].title == "Accessi lenti"
    assert f"/it/incidents/{incident.public_id}/" in italian.entries[0].link
    assert "Looking." in italian.entries[0].summary  # update: English fallback
    english = feedparser.parse(client.get("/history.atom").content)
    assert english.entries[0].title == "Slow logins"
    for code in ["it", "de", "es", "fr", "ja", "pt-br"]:
        feed = feedparser.parse(client.get(f"/{code}/history.atom").content)
        assert not feed.bozo and feed.feed.language == code, code
        assert feed.entries[0].link.endswith(f"/{code}/incidents/{incident.public_id}/"), code


def test_the_api_adds_translations_and_keeps_english(client, incident):
    update = IncidentUpdate.objects.get(incident=incident)
    services.translation_save(incident, field="name", language="it", text="Accessi lenti",
                              machine=True)  # fmt: skip
    services.translation_save(update, field="body", language="it", text="Stiamo guardando.")
    plain = client.get("/api/v2/incidents.json").json()["incidents"][0]
    assert "translations" not in plain
    data = client.get("/api/v2/incidents.json?lang=it").json()["incidents"][0]
    assert data["name"] == "Slow logins"
    assert data["translations"] == {
        "it": {"name": {"text": "Accessi lenti", "machine": True, "reviewed": False,
                        "stale": False}}
    }  # fmt: skip
    body = data["incident_updates"][0]
    assert body["body"] == "Looking."
    assert body["translations"]["it"]["body"]["text"] == "Stiamo guardando."
    summary = client.get("/api/v2/summary.json?lang=it").json()
    assert summary["incidents"][0]["translations"]["it"]["name"]["text"] == "Accessi lenti"
    assert client.get("/api/v2/incidents/unresolved.json?lang=de").json()["incidents"][0][
        "translations"
    ] == {"de": {}}


def test_the_api_refuses_a_language_not_enabled(client, incident):
    response = client.get("/api/v2/incidents.json?lang=nl")
    assert response.status_code == 422
    assert "error" in response.json()
