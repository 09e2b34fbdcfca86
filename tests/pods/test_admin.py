"""The mapping in the admin: edits and the CSV upload, seen from a manager, a support staff
member without the permission, and an anonymous visitor."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.pods.models import AccountPod

IMPORT_URL = reverse("admin:pods_accountpod_import")
CHANGELIST_URL = reverse("admin:pods_accountpod_changelist")


def _upload(content: str) -> dict:
    return {"file": SimpleUploadedFile("accounts.csv", content.encode(), "text/csv")}


def test_manager_imports_a_csv(manager_client, pods, accounts):
    assert "Import CSV" in manager_client.get(CHANGELIST_URL).text
    assert manager_client.get(IMPORT_URL).status_code == 200
    response = manager_client.post(
        IMPORT_URL, _upload("account,pod\ninitech,Pod 17\nglobex,Pod 13\n"), follow=True
    )
    assert "Imported: 1 new, 1 moved to another pod, 0 unchanged." in response.text
    assert dict(AccountPod.objects.values_list("identifier", "pod__name")) == {
        "acme": "Pod 13",
        "globex": "Pod 13",
        "initech": "Pod 17",
    }


def test_a_bad_file_is_listed_and_changes_nothing(manager_client, pods, accounts):
    response = manager_client.post(IMPORT_URL, _upload("initech,Pod 17\nhooli,Pod 99\n"))
    assert response.status_code == 400
    assert "Nothing was imported: 1 line needs fixing." in response.text
    assert "Line 2: there is no pod “Pod 99”." in response.text
    assert not AccountPod.objects.filter(identifier="initech").exists()


def test_manager_adds_one_account_normalized(manager_client, pods, accounts):
    url = reverse("admin:pods_accountpod_add")
    form = manager_client.get(url).text
    assert "Pod 13" in form and "Billing" not in form  # only pods to choose from
    response = manager_client.post(
        url, {"identifier": "https://Initech.example.com/", "pod": pods["Pod 17"].pk}
    )
    assert response.status_code == 302
    assert AccountPod.objects.get(identifier="initech").pod == pods["Pod 17"]
    clash = manager_client.post(url, {"identifier": "ACME", "pod": pods["Pod 17"].pk})
    assert clash.status_code == 200 and "already exists" in clash.text
    assert AccountPod.objects.get(identifier="acme").pod == pods["Pod 13"]


def test_search_finds_an_account_by_its_address(manager_client, accounts):
    text = manager_client.get(CHANGELIST_URL, {"q": "https://ACME.example.com/x"}).text
    assert ">acme<" in text and "globex" not in text


def test_support_staff_see_the_mapping_but_do_not_import(support_client, accounts):
    listing = support_client.get(CHANGELIST_URL)
    assert listing.status_code == 200 and "acme" in listing.text
    assert "Import CSV" not in listing.text
    assert support_client.get(IMPORT_URL).status_code == 403
    assert support_client.post(IMPORT_URL, _upload("initech,Pod 17\n")).status_code == 403
    assert not AccountPod.objects.filter(identifier="initech").exists()


def test_anonymous_visitors_are_sent_to_log_in(client, accounts):
    response = client.post(IMPORT_URL, _upload("initech,Pod 17\n"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get(CHANGELIST_URL).status_code == 302
    assert not AccountPod.objects.filter(identifier="initech").exists()


def test_manager_deletes_an_account(manager_client, accounts):
    url = reverse("admin:pods_accountpod_delete", args=[accounts["acme"].pk])
    assert manager_client.post(url, {"post": "yes"}).status_code == 302
    assert list(AccountPod.objects.values_list("identifier", flat=True)) == ["globex"]
