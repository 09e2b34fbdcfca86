"""The status page during an outage: what each open incident's card tells, in which order,
when the page was made, that it refreshes itself, and translated component texts."""

from __future__ import annotations

import html
import re

import pytest
import time_machine

from incidents import services, viewmodels
from incidents.models import Component, ComponentGroup, ComponentStatus, IncidentUpdate
from tests.conftest import render_queries, utc

ITALIAN_FALLBACK = "Questa parte è disponibile solo in inglese."
DASH = "\N{EN DASH}"  # between an update's status and its text


def cards(page: str) -> list[str]:
    """The incident cards of a page, as HTML, in page order."""
    return re.findall(r'<article class="incident[ "].*?</article>', page, re.S)


def text(fragment: str) -> str:
    """What a reader reads of an HTML fragment: its text, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def open_section(page: str) -> str:
    start = page.index('<section class="open-incidents"')
    return page[start : page.index("</section>", start)]


def test_open_incidents_are_ordered_by_impact_then_latest_start_first(client, make_incident):
    for name, impact, hour in [
        ("Minor early", "minor", 10),
        ("Critical late", "critical", 12),
        ("None", "none", 13),
        ("Major", "major", 9),
        ("Critical early", "critical", 11),
        ("Minor late", "minor", 14),
    ]:
        make_incident(name=name, impact_override=impact, started_at=utc(2024, 3, 20, hour))
    shown = [text(re.search(r"<h3.*?</h3>", card, re.S)[0]) for card in cards(
        open_section(client.get("/").text)
    )]  # fmt: skip
    assert shown == [
        "Critical late", "Critical early", "Major", "Minor late", "Minor early", "None",
    ]  # fmt: skip


def test_a_card_tells_what_where_since_when_and_the_latest_news(client, make_incident, pods):
    incident = make_incident(
        name="Logins fail on Pod 13",
        impact_override="critical",
        components={pods["Pod 13"]: ComponentStatus.PARTIAL_OUTAGE},
        started_at=utc(2024, 3, 20, 19),
        display_at=utc(2024, 3, 20, 20, 59),
        body="We are looking at the **login** service.",
        next_update_in=30,
    )
    # The card shows the components as they are now, not as the incident found them.
    services.component_set_status(pods["Pod 13"], ComponentStatus.MAJOR_OUTAGE)
    (card,) = cards(open_section(client.get("/").text))
    read = text(card)
    assert "Logins fail on Pod 13" in read
    assert f'href="{incident.get_absolute_url()}"' in card
    assert "Impact Critical" in read
    assert "Started March 20 - 19:00 UTC | 12:00 PT" in read
    assert "Affected Pods · Pod 13 ✕ Major outage" in read  # an icon, and the words
    assert '<span aria-hidden="true">✕</span>' in card
    assert f"Investigating {DASH} We are looking at the login service." in read
    assert "March 20 - 20:59 UTC | 13:59 PT" in read
    assert "Next update by 21:29 UTC | 14:29 PT" in read
    assert '<time datetime="2024-03-20T19:00:00+00:00">' in card


def test_an_open_incident_with_no_impact_is_not_shown_as_resolved(client, make_incident):
    make_incident(name="Checking reports", impact_override="none")
    (card,) = cards(open_section(client.get("/").text))
    assert card.startswith('<article class="incident incident-open impact-none"')
    assert "Impact None" in text(card)


def test_resolved_incidents_keep_their_short_card(client, make_incident):
    incident = make_incident(
        name="Short blip", started_at=utc(2024, 3, 20, 19), display_at=utc(2024, 3, 20, 20)
    )
    services.incident_resolve(incident, body="All good.", display_at=utc(2024, 3, 20, 21))
    page = client.get("/").text
    assert "open-incidents" not in page
    (card,) = cards(page)
    assert "incident-open" not in card and "Started" not in text(card)
    assert f"Resolved {DASH} All good." in text(card)


def test_a_long_unbroken_word_is_left_to_wrap(client, make_incident):
    make_incident(name="Noisy", body="x" * 5000)
    (card,) = cards(open_section(client.get("/").text))
    assert "x" * 5000 in card  # the browser test checks the page does not widen


def test_the_page_says_when_it_was_made(client, pods):
    with time_machine.travel(utc(2024, 3, 20, 21, 28, 30), tick=False):
        page = client.get("/").text
    assert (
        '<p class="page-updated"><time datetime="2024-03-20T21:28:30+00:00">'
        "Updated March 20 - 21:28 UTC | 14:28 PT</time></p>"
    ) in page


def test_the_page_refreshes_itself_only_while_an_incident_is_open(client, make_incident):
    quiet = client.get("/").text
    assert "data-refresh-seconds" not in quiet and "refresh.js" not in quiet
    incident = make_incident()
    page = client.get("/").text
    assert f'data-refresh-seconds="{viewmodels.REFRESH_SECONDS}"' in page
    assert re.search(r'<script src="/static/incidents/refresh[^"]*\.js" defer>', page)
    services.incident_resolve(incident, body="Fixed.")
    assert "data-refresh-seconds" not in client.get("/").text


def test_a_pod_page_refreshes_too(client, make_incident):
    make_incident(name="Pod 13 slow")
    page = client.get("/pods/pod-13/").text
    assert "Pod 13 slow" in open_section(page)
    assert "data-refresh-seconds" in page


def test_every_page_offers_the_readers_zone_with_translated_words(client, pods):
    page = client.get("/it/").text
    tag = re.search(r'<script src="/static/incidents/reader[^"]*\.js" defer[^>]*>', page)[0]
    assert 'data-reference-zone="America/Los_Angeles"' in tag
    assert "data-label=" in tag and "data-off=" in tag and "data-mine=" in tag


# Translations on the status page.


def test_group_names_and_component_texts_are_translated(client, pods):
    group = pods["Pod 13"].group
    services.component_save(Component(group=group, name="Search", description="Find accounts."))
    search = Component.objects.get(name="Search")
    services.translation_save(group, field="name", language="it", text="Gruppi di server")
    services.translation_save(search, field="name", language="it", text="Ricerca")
    services.translation_save(search, field="description", language="it", text="Trova conti.")
    italian = client.get("/it/").text
    assert "<span>Gruppi di server</span>" in italian
    assert "Ricerca" in italian and "Trova conti." in italian
    # Untranslated names stay English, and say so.
    assert '<span class="component-name" lang="en">Pod 14</span>' in italian
    english = client.get("/").text
    assert "Gruppi di server" not in english and "Ricerca" not in english
    assert "<span>Pods</span>" in english and "Find accounts." in english
    assert 'lang="en"' not in english.split("<main", 1)[1]


def test_translated_component_names_show_on_cards_and_pod_pages(client, make_incident, pods):
    services.translation_save(pods["Pod 13"].group, field="name", language="de", text="Server")
    make_incident(name="Slow", components={pods["Pod 13"]: ComponentStatus.DEGRADED_PERFORMANCE})
    (card,) = cards(open_section(client.get("/de/").text))
    assert "Server · " in text(card) and '<span lang="en">Pod 13</span>' in card
    pod_page = client.get("/de/pods/pod-13/").text
    assert "<span>Server</span>" in pod_page


def test_a_translated_status_page_takes_as_many_queries_however_many_components(client, db):
    groups = [services.group_save(ComponentGroup(name=f"Group {g}", position=g)) for g in range(3)]
    for n in range(3):
        component = services.component_save(Component(name=f"C{n}", group=groups[n % 3]))
        services.translation_save(component, field="name", language="it", text=f"Comp {n}")
    services.incident_create(name="Open", body="Looking.", components={component: "major_outage"})
    few, _ = render_queries(client, "/it/")
    for n in range(3, 30):
        component = services.component_save(
            Component(name=f"C{n}", group=groups[n % 3], description=f"Part {n}")
        )
        services.translation_save(component, field="description", language="it", text=f"P {n}")
        services.incident_create(name=f"Open {n}", body="Looking.",
                                 components={component: "partial_outage"})  # fmt: skip
    for group in groups:
        services.translation_save(group, field="name", language="it", text=f"Gruppo {group.pk}")
    many, response = render_queries(client, "/it/")
    assert few == many
    assert "Comp 0" in response.text and "P 29" in response.text


def test_english_only_incident_texts_are_marked_on_a_translated_page(client, make_incident):
    incident = make_incident(name="Slow logins", body="Looking into it.")
    (card,) = cards(open_section(client.get("/it/").text))
    assert f'<a href="/it/incidents/{incident.public_id}/" lang="en">Slow logins</a>' in card
    assert '<span class="excerpt" lang="en">Looking into it.</span>' in card
    assert ITALIAN_FALLBACK in card
    services.translation_save(incident, field="name", language="it", text="Accessi lenti")
    update = IncidentUpdate.objects.get(incident=incident)
    services.translation_save(update, field="body", language="it", text="Stiamo guardando.")
    (card,) = cards(open_section(client.get("/it/").text))
    assert f'<a href="/it/incidents/{incident.public_id}/">Accessi lenti</a>' in card
    assert '<span class="excerpt">Stiamo guardando.</span>' in card
    assert ITALIAN_FALLBACK not in card


def test_english_pages_carry_no_translation_notes(client, make_incident):
    make_incident(name="Slow logins")
    (card,) = cards(open_section(client.get("/").text))
    assert "translation-note" not in card and 'lang="en"' not in card


def test_a_machine_translated_card_says_english_is_authoritative(client, make_incident):
    incident = make_incident(name="Slow logins")
    services.translation_save(incident, field="name", language="it", text="Accessi lenti",
                              machine=True)  # fmt: skip
    page = client.get("/it/").text
    assert "translation-disclaimer" in page and "tradotte automaticamente" in page
    assert "translation-disclaimer" not in client.get("/").text


@pytest.mark.parametrize("field", ["name", "description"])
def test_component_translations_go_with_their_component(pods, field):
    pod = pods["Pod 13"]
    pod.description = "Accounts A-F."
    services.component_save(pod)
    translation = services.translation_save(pod, field=field, language="it", text="Testo")
    assert translation.incident is None
    assert translation.get_absolute_url() == "/it/"
    services.component_delete(pod)
    assert not type(translation).objects.filter(pk=translation.pk).exists()
