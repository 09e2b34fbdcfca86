from django.core.management import call_command

from incidents.models import Component, Incident, IncidentUpdate


def test_loaddemo_is_idempotent(db):
    call_command("loaddemo")
    call_command("loaddemo")
    call_command("loaddemo", "--if-empty")
    assert Incident.objects.incidents().count() == 1
    assert IncidentUpdate.objects.filter(incident__kind="incident").count() == 5
    assert Incident.objects.maintenances().count() == 1
    names = set(Component.objects.values_list("name", flat=True))
    assert {"Pod 13", "Pod 14", "Pod 17", "Pod 18", "Support", "Billing"} <= names


def test_demo_incident_page_has_the_seed_stamps(client, db):
    call_command("loaddemo")
    incident = Incident.objects.incidents().get()
    assert incident.status == "resolved"
    text = client.get(incident.get_absolute_url()).text
    stamps = [
        "20:59 UTC | 13:59 PT",
        "21:28 UTC | 14:28 PT",
        "22:26 UTC | 15:26 PT",
        "01:59 UTC | 18:59 PT",
        "March 21 - 15:35 UTC | 08:35 PT",
    ]
    positions = [text.index(f">{stamp}<") for stamp in stamps]
    assert positions == sorted(positions)
    assert "March 20, 2024 - 19:00 UTC | 12:00 PT to 01:07 UTC | 18:07 PT" in text
    # Every component is operational again once the incident is resolved.
    assert set(Component.objects.values_list("status", flat=True)) == {"operational"}


def test_demo_staff_accounts_have_their_roles(db, settings):
    settings.DEBUG = True
    call_command("loaddemo")
    from django.contrib.auth import get_user_model

    support = get_user_model().objects.get(username="support")
    assert support.has_perm("incidents.add_incidentupdate")
    assert not support.has_perm("incidents.change_incident")
