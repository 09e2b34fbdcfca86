"""export_status / import_status: a restored site serves the same pages and API answers,
subscribers keep their choices and working links, and a bad document changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from incidents import services
from incidents.metrics import services as metrics
from incidents.metrics.models import Metric, MetricBucket, MetricPoint, MetricProvider, ProviderType
from incidents.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Postmortem,
    RemediationItem,
    UpdateComponentChange,
)
from incidents.models.translations import Translation
from incidents.monitoring import services as monitoring
from incidents.monitoring.models import Integration
from incidents.notifications import tokens
from incidents.notifications.models import Notification, Subscriber, SubscriberState
from incidents.operations.backup import export_status, import_status
from incidents.operations.demo import load_demo
from incidents.pods.models import AccountPod
from incidents.services.page import page_update
from tests.conftest import utc

NOW = utc(2024, 4, 2, 12, 0)


def _wipe():
    Integration.objects.all().delete()
    MetricProvider.objects.all().delete()
    AccountPod.objects.all().delete()
    Notification.objects.all().delete()
    Subscriber.objects.all().delete()
    IncidentTemplate.objects.all().delete()
    Incident.with_drafts.all().delete()
    Component.objects.all().delete()
    ComponentGroup.objects.all().delete()


@pytest.fixture
def site(db):
    """The demo, an open incident with a draft postmortem, subscribers of every kind."""
    # Each step a minute apart: equal timestamps would leave the order of rows to the database.
    with time_machine.travel(NOW - timedelta(hours=1), tick=False) as clock:
        load_demo()
        clock.shift(timedelta(minutes=1))
        page_update(
            {"name": "Acme Status", "css_link_color": "#1a4fa0", "embed_position": "bottom-left"}
        )
        pods = {c.name: c for c in Component.objects.filter(group__name="Pods")}
        incident = services.incident_create(
            name="Pod 13 <b>slow</b> & logins",
            body="We are *investigating*.",
            summary="Some **customers** on Pod 13.",
            components={pods["Pod 13"]: ComponentStatus.PARTIAL_OUTAGE},
        )
        clock.shift(timedelta(minutes=1))
        services.update_post(incident, status="identified", body="Found it.")
        clock.shift(timedelta(minutes=1))
        draft = services.postmortem_save_draft(incident, root_cause="A full disk.")
        services.remediation_item_add(draft, description="Alert on disk space.", owner="SRE")
        keen = Subscriber.objects.create(email="keen@example.com", language="en", state="active")
        keen.components.set([pods["Pod 13"], pods["Pod 14"]])
        keen.incidents.set([incident])
        Subscriber.objects.create(email="new@example.com", state=SubscriberState.PENDING)
        Subscriber.objects.create(email="gone@example.com", state=SubscriberState.UNSUBSCRIBED)
        Subscriber.objects.create(
            mode="webhook", email="", endpoint="https://hooks.example.com/status",
            webhook_secret="s" * 43, state=SubscriberState.ACTIVE,
        )  # fmt: skip
    return incident


PAGES = [
    "/",
    "/history/",
    "/history/?month=2024-03",
    "/history.atom",
    "/history.rss",
    "/api/v2/summary.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/it/",
    "/it/history.atom",
    "/pods/pod-13/",
    "/api/v2/summary.json?lang=it",
]


def _render_all() -> dict[str, bytes]:
    cache.clear()
    pages = PAGES + [
        f"{prefix}/incidents/{i.public_id}/"
        for i in Incident.objects.all()
        for prefix in ("", "/it")
    ]
    with time_machine.travel(NOW, tick=False):
        rendered = {}
        for path in pages:
            response = Client().get(path)
            assert response.status_code == 200, path
            rendered[path] = response.content
    return rendered


def _counts() -> dict[str, int]:
    models = [ComponentGroup, Component, Incident, IncidentUpdate, UpdateComponentChange,
              Postmortem, RemediationItem, IncidentTemplate, Subscriber, Notification,
              Translation, AccountPod]  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def _without_stamp(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_round_trip_reproduces_pages_api_and_subscribers(site, tmp_path):
    before_pages = _render_all()
    before_counts = _counts()
    keen = Subscriber.objects.get(email="keen@example.com")
    manage_token = tokens.make_token(keen, tokens.MANAGE)
    path = tmp_path / "backup.json"
    call_command("export_status", str(path))
    document = json.loads(path.read_text())
    assert document["format"] == "statuspage-backup"
    # The demo's Italian translation (machine-made) and its account mappings travel too.
    assert {t["language"] for t in document["translations"]} == {"it"}
    assert all(t["machine"] for t in document["translations"])
    assert {a["identifier"] for a in document["accounts"]} >= {"acme", "globex"}

    _wipe()
    assert Incident.objects.count() == 0
    call_command("import_status", str(path))

    assert _counts() == before_counts
    after_pages = _render_all()
    assert after_pages.keys() == before_pages.keys()
    for page, content in before_pages.items():
        assert after_pages[page] == content, f"{page} differs after the restore"
    assert _without_stamp(export_status()) == _without_stamp(document)
    restored = Subscriber.objects.get(email="keen@example.com")
    assert restored.state == SubscriberState.ACTIVE
    assert sorted(c.name for c in restored.components.all()) == ["Pod 13", "Pod 14"]
    assert list(restored.incidents.all()) == [Incident.objects.get(public_id=site.public_id)]
    # Links in mails sent before the backup still work.
    assert Client().get(f"/subscribe/manage/{manage_token}/").status_code == 200
    hook = Subscriber.objects.get(mode="webhook")
    assert (hook.endpoint, hook.webhook_secret) == ("https://hooks.example.com/status", "s" * 43)


def test_a_restore_sends_nothing_and_never_resumes_a_send(site):
    notification = Notification.objects.filter(incident__public_id=site.public_id).first()
    assert notification is not None
    Notification.objects.filter(pk=notification.pk).update(state="sending")
    update_id = notification.update.public_id
    document = export_status()
    _wipe()
    import_status(document)
    restored = Notification.objects.get(update__public_id=update_id)
    assert restored.state == "stopped"
    assert not restored.deliveries.exists()


def test_importing_into_a_site_with_content_is_refused(site, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_status", str(path))
    before = _counts()
    with pytest.raises(CommandError, match="already has content"):
        call_command("import_status", str(path))
    assert _counts() == before


def test_replace_swaps_the_content_in_one_go(site, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_status", str(path))
    services.component_save(Component(name="Added after the backup"))
    call_command("import_status", str(path), "--replace")
    assert not Component.objects.filter(name="Added after the backup").exists()
    assert Incident.objects.filter(public_id=site.public_id).exists()


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["incidents"][-1]["updates"][-1].update(status="on fire"),
        lambda d: d["components"][-1].update(status="sideways"),
        lambda d: d["incidents"][0]["affected"].append({"component": "nope", "status": "x"}),
        lambda d: d["subscribers"][-1].update(email="not an address"),
        lambda d: d["incidents"][0].update(started_at="yesterday"),
        lambda d: d["incidents"][0].update(started_at="2024-03-20T19:00:00"),
        lambda d: d["component_groups"][0].update(surprise=1),
        lambda d: d["incidents"][0].pop("name"),
        lambda d: d.update(version=99),
        lambda d: d.update(incidents="everything"),
    ],
)
def test_a_bad_document_imports_nothing(site, tmp_path, breakage):
    document = export_status()
    breakage(document)
    _wipe()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_status", str(path))
    assert set(_counts().values()) == {0}


def test_unreadable_file_is_a_clear_error(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_status", str(path))


def test_every_own_field_of_every_backed_up_row_is_restored(site):
    """The field lists are derived from the models: a field added to a model is backed up
    unless excluded on purpose (the impact override was missing from the hand-written list)."""
    incident = Incident.objects.get(public_id=site.public_id)
    services.incident_edit(incident, impact_override="minor")
    document = export_status()
    rows = {m: list(m.objects.order_by("pk").values()) for m in (Incident, Component, Subscriber)}
    _wipe()
    import_status(document)
    for model, before in rows.items():
        after = list(model.objects.order_by("pk").values())
        keep = [f.attname for f in model._meta.concrete_fields if not f.primary_key
                and not f.is_relation]  # fmt: skip
        by_id = {row["public_id"]: row for row in after}
        for row in before:
            restored = by_id[row["public_id"]]
            assert {k: row[k] for k in keep} == {k: restored[k] for k in keep}, model.__name__
    assert Incident.objects.get(public_id=site.public_id).impact_override == "minor"


def test_a_draft_incident_survives_a_restore_as_a_draft(site, client):
    """Monitoring's drafts are staff's work in progress: a restore keeps them, still unseen."""
    api = Component.objects.get(name="Pod 14")
    draft = services.incident_draft_open(
        name="API errors (from monitoring)", components={api: ComponentStatus.MAJOR_OUTAGE}
    )
    document = export_status()
    _wipe()
    import_status(document)
    restored = Incident.with_drafts.get(public_id=draft.public_id)
    assert restored.draft and restored.name == "API errors (from monitoring)"
    assert [(r.component.name, r.status) for r in restored.affected.all()] == [
        ("Pod 14", ComponentStatus.MAJOR_OUTAGE)
    ]
    cache.clear()
    assert "API errors (from monitoring)" not in client.get("/").text
    assert Component.objects.get(name="Pod 14").status == ComponentStatus.OPERATIONAL


def test_monitoring_and_metrics_survive_a_restore(site, client):
    """An integration keeps its URL (the secret's hash is kept) and its template; a metric
    keeps its settings, components and data, so the page draws the same chart."""
    pod = Component.objects.get(name="Pod 14")
    template = services.incident_template_save(
        IncidentTemplate(name="Pod down", title="Pod unavailable", body="We are looking.")
    )
    integration, url = monitoring.integration_create(
        name="Prometheus", kind="alertmanager", heartbeat_minutes=10, template=template
    )
    pushed = metrics.provider_save(MetricProvider(type=ProviderType.SELF))
    latency = metrics.metric_save(
        Metric(provider=pushed, name="API latency", suffix="ms", decimal_places=1),
        components=[pod],
    )
    now = timezone.now()
    start = int(now.timestamp()) // 60 * 60 - 3600
    metrics.metric_data_add({latency: [(start + 60 * n, 100.0 + n) for n in range(50)]}, now=now)
    data = sorted(MetricPoint.objects.values_list("metric__public_id", "at", "value"))
    buckets = sorted(MetricBucket.objects.values_list("width", "start", "sum", "count", "max"))
    cache.clear()
    with time_machine.travel(now, tick=False):
        page = client.get("/").text
    assert "API latency" in page

    document = json.loads(json.dumps(export_status()))
    _wipe()
    counts = import_status(document)

    assert counts["integrations"] == 1 and counts["metrics"] == 2  # the demo's and this one
    assert counts["metric_points"] == len(data)
    restored = monitoring.integration_by_secret(url.rstrip("/").rsplit("/", 1)[1])
    assert restored is not None and restored.public_id == integration.public_id
    assert restored.template.name == "Pod down" and restored.heartbeat_minutes == 10
    metric = Metric.objects.get(public_id=latency.public_id)
    assert (metric.suffix, [c.name for c in metric.components.all()]) == ("ms", ["Pod 14"])
    assert sorted(MetricPoint.objects.values_list("metric__public_id", "at", "value")) == data
    assert (
        sorted(MetricBucket.objects.values_list("width", "start", "sum", "count", "max")) == buckets
    )
    cache.clear()
    with time_machine.travel(now, tick=False):
        assert client.get("/").text == page


@pytest.mark.parametrize(
    "row, words",
    [
        ({"points": [[1, "x"]]}, "finite numbers"),
        ({"points": [[1.5, 2.0]]}, "whole seconds"),
        ({"buckets": [[61, 0, 1, 1, 1, 1]]}, "widths"),
        ({"points": [[1, float("inf")]]}, "finite numbers"),
    ],
)
def test_bad_metric_data_imports_nothing(site, row, words):
    pushed = metrics.provider_save(MetricProvider(type=ProviderType.SELF))
    metrics.metric_save(Metric(provider=pushed, name="API latency"))
    document = export_status()
    document["metric_providers"][0]["metrics"][0].update(row)
    _wipe()
    with pytest.raises(ValidationError, match=words):
        import_status(document)
    assert not Component.objects.exists() and not MetricProvider.objects.exists()


# The status page's own texts: component and group names and descriptions, in other languages


@pytest.fixture
def page_texts(site, manager_user):
    """The demo's pods and their group, translated: by a person and by machine, one of them
    made from an English text changed since (stale)."""
    pods = {c.name: c for c in Component.objects.filter(group__name="Pods")}
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False) as clock:
        pods["Pod 13"].description = "Hosts the accounts of Europe."
        services.component_save(pods["Pod 13"])
        services.translation_save(
            pods["Pod 13"], field="name", language="it", text="Nodo 13", actor=manager_user
        )
        services.translation_save(
            pods["Pod 13"], field="description", language="it", text="Ospita l'Europa.",
            machine=True,
        )  # fmt: skip
        services.translation_save(pods["Pod 14"], field="name", language="it", text="Nodo 14")
        services.translation_save(
            pods["Pod 13"].group, field="name", language="it", text="Nodi", machine=True
        )
        clock.shift(timedelta(minutes=1))
        pod = Component.objects.get(pk=pods["Pod 14"].pk)
        pod.name = "Pod 14 (EU)"
        services.component_save(pod)
    return pods


def _page_translations() -> list[dict]:
    """Every component and group translation, as a restored site must have it again."""
    rows = Translation.objects.filter(incident=None).order_by("field", "text")
    return [
        {
            "of": type(t.content_object).__name__,
            "public_id": t.content_object.public_id,
            **{name: getattr(t, name) for name in (
                "field", "language", "text", "machine", "reviewed_at", "source_revision",
                "created_at", "updated_at",
            )},
            "reviewed_by": t.reviewed_by.username if t.reviewed_by else None,
            "stale": t.is_stale,
        }
        for t in rows
    ]  # fmt: skip


def test_component_and_group_translations_survive_a_restore(page_texts, client, tmp_path):
    before = _page_translations()
    assert len(before) == 4 and [t["stale"] for t in before if t["text"] == "Nodo 14"] == [True]
    italian = client.get("/it/").text
    assert "Nodo 13" in italian and "Nodi" in italian
    pages = _render_all()
    path = tmp_path / "backup.json"
    call_command("export_status", str(path))
    document = json.loads(path.read_text())
    exported = [t for t in document["translations"] if t["incident"] is None]
    assert sorted(t["object"]["type"] for t in exported) == ["component"] * 3 + ["component_group"]

    _wipe()
    assert not Translation.objects.exists()
    call_command("import_status", str(path))

    assert _page_translations() == before
    assert _render_all() == pages
    cache.clear()
    italian = client.get("/it/").text
    assert "Nodo 13" in italian and "Ospita l&#x27;Europa." in italian and "Nodi" in italian
    assert "Nodo 14" in italian  # stale, and shown with its note as before
    assert "Nodo 13" in client.get("/it/pods/pod-13/").text
    assert _without_stamp(export_status()) == _without_stamp(document)


def test_replace_swaps_the_component_translations_too(page_texts):
    document = export_status()
    before = _page_translations()
    Translation.objects.filter(text="Nodi").update(text="Changed after the backup")
    import_status(document, replace=True)
    assert _page_translations() == before


def test_an_export_made_before_component_translations_existed_restores(site, client):
    """An older export has only incident translations: it restores, and the components are
    named in English on the translated pages."""
    document = export_status()
    assert all(t["incident"] is not None for t in document["translations"])
    _wipe()
    counts = import_status(document)
    assert counts["translations"] == len(document["translations"])
    assert not Translation.objects.filter(incident=None).exists()
    assert '<span class="component-name" lang="en">Pod 13' in client.get("/it/").text


def _page_text(document: dict, kind: str) -> dict:
    return next(t for t in document["translations"] if t["object"]["type"] == kind)


@pytest.mark.parametrize(
    "breakage",
    [
        # A component's text said to belong to an incident.
        lambda d: _page_text(d, "component").update(incident=d["incidents"][0]["public_id"]),
        lambda d: _page_text(d, "component")["object"].update(id="nope"),
        lambda d: _page_text(d, "component_group")["object"].update(id=None),
        # Only a group's name is translated, not its description.
        lambda d: _page_text(d, "component_group").update(field="description"),
        lambda d: _page_text(d, "component").update(field="status"),
        lambda d: _page_text(d, "component").update(machine="sometimes"),
        lambda d: _page_text(d, "component").pop("source_revision"),
    ],
)
def test_a_bad_component_translation_imports_nothing(page_texts, breakage):
    document = export_status()
    breakage(document)
    _wipe()
    with pytest.raises(ValidationError, match=r"translations\[\d+\]"):
        import_status(document)
    assert set(_counts().values()) == {0}
