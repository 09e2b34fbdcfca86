"""The mapping's writes: one upsert, the all-or-nothing import, and the command."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from incidents.pods.models import AccountPod
from incidents.pods.services import (
    ImportRejected,
    account_save,
    account_upsert,
    accounts_import,
    accounts_import_csv,
)


def _mapping() -> dict[str, str]:
    return dict(AccountPod.objects.values_list("identifier", "pod__name"))


def test_upsert_creates_then_moves_the_account(pods):
    account, created = account_upsert("https://Acme.example.com/", pods["Pod 13"])
    assert created and account.identifier == "acme"
    again, created = account_upsert("ACME", pods["Pod 14"])
    assert not created and again.pk == account.pk
    assert _mapping() == {"acme": "Pod 14"}


def test_upsert_refuses_a_component_that_is_not_a_pod(pods, billing):
    with pytest.raises(ValidationError):
        account_upsert("acme", billing)
    assert not AccountPod.objects.exists()


def test_save_refuses_an_identifier_that_clashes_once_normalized(pods, accounts):
    with pytest.raises(ValidationError):
        account_save(AccountPod(identifier="ACME.example.com", pod=pods["Pod 17"]))
    assert _mapping() == {"acme": "Pod 13", "globex": "Pod 14"}


def test_csv_import_creates_moves_and_counts(pods, accounts):
    result = accounts_import_csv(
        b"\xef\xbb\xbfaccount,pod\n"  # a BOM and a header, as spreadsheets write them
        b"https://Initech.example.com,Pod 17\n"
        b"globex,pod-13\n"
        b"acme,Pod 13\n"
        b"\n"
        b'"hooli.example.com",' + pods["Pod 14"].public_id.encode() + b",extra column\n"
    )
    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    assert _mapping() == {
        "acme": "Pod 13",
        "globex": "Pod 13",
        "hooli": "Pod 14",
        "initech": "Pod 17",
    }


def test_csv_import_with_a_bad_line_changes_nothing_and_lists_every_bad_line(pods, accounts):
    content = (
        "initech,Pod 17\n"  # fine, but must not be applied
        "globex,Pod 17\n"  # fine too
        "not valid!,Pod 13\n"
        "hooli,Pod 99\n"
        "umbrella\n"
        "INITECH.example.com,Pod 14\n"  # the same account with another pod
    )
    with pytest.raises(ImportRejected) as rejected:
        accounts_import_csv(content)
    assert [row.line for row in rejected.value.rows] == [3, 4, 5, 6]
    messages = rejected.value.messages
    assert messages[1] == "Line 4: there is no pod “Pod 99”."
    assert "line 1" in messages[3]
    # Identifiers are customer data: the report names lines, never the values.
    assert not any("not valid" in m or "umbrella" in m or "initech" in m for m in messages)
    assert _mapping() == {"acme": "Pod 13", "globex": "Pod 14"}


def test_a_file_that_is_not_utf8_or_empty_is_refused(pods):
    with pytest.raises(ImportRejected, match="UTF-8"):
        accounts_import_csv("acme,Pod 13\n".encode("utf-16"))
    with pytest.raises(ImportRejected, match="no account"):
        accounts_import_csv(b"account,pod\n\n")
    assert not AccountPod.objects.exists()


def test_the_same_row_twice_is_fine(pods):
    result = accounts_import([(1, "acme", "Pod 13"), (2, "Acme.example.com", "pod-13")])
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)


def test_a_non_pod_component_is_not_a_pod_in_the_file(pods, billing):
    with pytest.raises(ImportRejected, match="no pod “Billing”"):
        accounts_import_csv("acme,Billing\n")


def test_a_large_import_is_one_batch_of_queries(pods, django_assert_max_num_queries):
    lines = "".join(f"account-{n},Pod {13 if n % 2 else 14}\n" for n in range(3000))
    with django_assert_max_num_queries(30):
        result = accounts_import_csv(lines)
    assert result.created == 3000
    moved = "".join(f"account-{n},Pod 17\n" for n in range(0, 3000, 3))
    result = accounts_import_csv(moved)
    assert (result.created, result.updated) == (0, 1000)
    assert AccountPod.objects.filter(pod=pods["Pod 17"]).count() == 1000


def test_import_command(tmp_path, pods, capsys):
    good = tmp_path / "accounts.csv"
    good.write_text("account,pod\nacme,Pod 13\nglobex,Pod 14\n")
    call_command("import_accounts", str(good))
    assert "2 new, 0 moved to another pod, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("acme,Pod 17\nhooli,Pod 99\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_accounts", str(bad))
    assert "Line 2: there is no pod “Pod 99”." in capsys.readouterr().err
    assert _mapping() == {"acme": "Pod 13", "globex": "Pod 14"}
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_accounts", str(tmp_path / "missing.csv"))
