"""Every staff action that changes public content is in the audit log: who, what, when,
before and after; managers read it in the admin, support staff do not."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.audit.models import AuditLog


def test_posting_an_update_from_the_admin_is_audited(
    support_client, support_user, make_incident, pods
):
    incident = make_incident()
    support_client.post(
        reverse("admin:incidents_incident_post_update", args=[incident.pk]),
        {"status": "identified", "body": "Found it.",
         f"component_{pods['Pod 14'].pk}": "degraded_performance"},
    )  # fmt: skip
    entry = AuditLog.objects.filter(action="incident.update").latest("pk")
    assert entry.actor == support_user
    assert entry.target_repr == incident.name
    assert entry.after["status"] == "identified"
    assert entry.after["components"] == {"Pod 14": ["operational", "degraded_performance"]}


def test_edits_record_only_what_changed(manager_user, make_incident, pods):
    incident = make_incident(name="Old name")
    services.incident_edit(incident, name="New name", actor=manager_user)
    entry = AuditLog.objects.get(action="incident.edit")
    assert entry.before == {"name": "Old name"} and entry.after == {"name": "New name"}
    services.component_set_status(pods["Pod 13"], "major_outage", actor=manager_user)
    status = AuditLog.objects.get(action="component.status")
    assert (status.before, status.after) == (
        {"status": "partial_outage"},
        {"status": "major_outage"},
    )


def test_refused_actions_leave_no_entry(manager_user, pods):
    before = AuditLog.objects.count()
    with pytest.raises(ValidationError):
        services.component_set_status(pods["Pod 13"], "sideways", actor=manager_user)
    assert AuditLog.objects.count() == before


def test_managers_read_the_audit_log_support_staff_do_not(manager_user, support_user, pods):
    url = reverse("admin:audit_auditlog_changelist")
    for user, status in ((manager_user, 200), (support_user, 403)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status


def test_account_to_pod_writes_are_audited_like_every_other_write(manager_user, pods, tmp_path):
    from django.core.management import call_command

    from incidents.pods.services import account_delete, account_upsert

    account, _ = account_upsert("acme", pods["Pod 13"], actor=manager_user)
    account_upsert("acme", pods["Pod 14"], actor=manager_user)
    account_delete(account, actor=manager_user)
    entries = AuditLog.objects.filter(action__startswith="account.").order_by("pk")
    assert [(e.action, e.actor) for e in entries] == [
        ("account.create", manager_user),
        ("account.update", manager_user),
        ("account.delete", manager_user),
    ]
    pod_ids = [pods["Pod 13"].pk, pods["Pod 14"].pk]
    assert (entries[1].before, entries[1].after) == ({"pod": pod_ids[0]}, {"pod": pod_ids[1]})

    csv = tmp_path / "accounts.csv"
    csv.write_text("account,pod\nglobex,Pod 13\ninitech,Pod 14\n")
    call_command("import_accounts", str(csv))
    entry = AuditLog.objects.get(action="accounts.import")
    assert entry.actor_repr == "import_accounts command"
    assert entry.after == {"created": 2, "updated": 0, "unchanged": 0}
    # One entry for the import, and the customers' identifiers are not in it.
    assert "globex" not in str(entry.after) and "initech" not in entry.target_repr
