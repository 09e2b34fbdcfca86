"""Component and group names in the reader's language on an incident's page (its affected
list and the component changes of its timeline) and on a pod's page, in a number of queries
that does not grow with the components."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.models import Component, ComponentGroup, ComponentStatus, Page
from tests.conftest import render_queries


def translation_queries(client, path: str) -> int:
    """How many queries one render of `path` makes of the translations."""
    Page.current()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum('"incidents_translation"' in q["sql"] for q in queries.captured_queries)


def affected(page: str) -> str:
    return page.split('<ul class="affected">', 1)[1].split("</ul>", 1)[0]


def changes(page: str) -> str:
    """The component changes of every timeline entry."""
    return "".join(part.split("</ul>", 1)[0] for part in page.split('<ul class="changes"')[1:])


@pytest.fixture
def incident(pods, billing):
    """Pod 13 (whose group and name are translated) and Billing (untranslated) affected,
    then Pod 13 recovered and Billing degraded by a later update."""
    pod = pods["Pod 13"]
    services.translation_save(pod.group, field="name", language="it", text="Nodi")
    services.translation_save(pod, field="name", language="it", text="Nodo 13")
    found = services.incident_create(
        name="Slow logins",
        body="Investigating.",
        components={pod: ComponentStatus.MAJOR_OUTAGE},
    )
    services.update_post(
        found,
        status="identified",
        body="Found it.",
        components={
            pod: ComponentStatus.OPERATIONAL,
            billing: ComponentStatus.DEGRADED_PERFORMANCE,
        },
    )
    return found


# The incident page


def test_the_incident_page_names_the_components_in_the_readers_language(client, incident):
    page = client.get(f"/it/incidents/{incident.public_id}/").text
    listed = affected(page)
    assert '<span class="component-name">Nodi · Nodo 13</span>' in listed
    # An untranslated name stays English, and says so.
    assert '<span lang="en">Products</span> · <span lang="en">Billing</span>' in listed
    changed = changes(page)
    assert "<li><bdi>Nodo 13</bdi>: " in changed
    assert '<li><bdi lang="en">Billing</bdi>: ' in changed
    assert "Pod 13" not in listed + changed


def test_the_english_incident_page_keeps_the_english_names(client, incident):
    page = client.get(f"/incidents/{incident.public_id}/").text
    assert '<span class="component-name">Pods · Pod 13</span>' in affected(page)
    assert "<li><bdi>Pod 13</bdi>: " in changes(page)
    assert "Nodo" not in page and 'lang="en"' not in affected(page) + changes(page)


def test_the_incident_page_takes_as_many_queries_however_many_components(client, db):
    groups = [services.group_save(ComponentGroup(name=f"Group {g}", position=g)) for g in range(3)]

    def component(n: int) -> Component:
        made = services.component_save(Component(name=f"C{n}", group=groups[n % 3]))
        services.translation_save(made, field="name", language="it", text=f"Comp {n}")
        return made

    first = component(0)
    incident = services.incident_create(
        name="Slow", body="Looking.", components={first: ComponentStatus.PARTIAL_OUTAGE}
    )
    path = f"/it/incidents/{incident.public_id}/"
    few, _ = render_queries(client, path)
    more = [component(n) for n in range(1, 12)]
    services.update_post(
        incident,
        status="identified",
        body="Found it.",
        components={c: ComponentStatus.DEGRADED_PERFORMANCE for c in [first, *more]},
    )
    for group in groups:
        services.translation_save(group, field="name", language="it", text=f"Gruppo {group.pk}")
    services.translation_save(incident, field="name", language="it", text="Lento")
    many, response = render_queries(client, path)
    assert few == many
    assert "Gruppo" in affected(response.text) and "<bdi>Comp 11</bdi>" in changes(response.text)


# The pod page


def test_the_pod_page_loads_the_pods_translations_with_the_other_components(client, pods):
    services.translation_save(pods["Pod 13"], field="name", language="it", text="Nodo 13")
    services.translation_save(pods["Pod 13"].group, field="name", language="it", text="Nodi")
    # The status page's own: the components' and groups' translations, and the incidents'.
    on_status_page = translation_queries(client, "/it/")
    assert translation_queries(client, "/it/pods/pod-13/") == on_status_page
    page = client.get("/it/pods/pod-13/").text
    assert re.search(r"<h1>[^<]*Nodo 13[^<]*</h1>", page)


def test_a_pod_hidden_from_its_page_is_still_named_in_the_readers_language(client, pods):
    pod = pods["Pod 13"]
    pod.only_show_if_degraded = True
    services.component_save(pod)
    services.translation_save(pod, field="name", language="it", text="Nodo 13")
    page = client.get("/it/pods/pod-13/").text
    assert re.search(r"<h1>[^<]*Nodo 13[^<]*</h1>", page)
    assert f'data-component="{pod.public_id}"' not in page  # not listed, as on /
