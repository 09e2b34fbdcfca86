from django.core.management import call_command

from incidents.models import Component
from incidents.operations.demo import ACCOUNTS
from incidents.pods.models import AccountPod
from incidents.pods.services import account_upsert


def test_demo_maps_a_few_accounts_and_leaves_later_changes_alone(db):
    call_command("loaddemo")
    assert dict(AccountPod.objects.values_list("identifier", "pod__name")) == dict(ACCOUNTS)
    account_upsert("acme", Component.objects.get(name="Pod 18"))
    call_command("loaddemo")
    assert AccountPod.objects.count() == len(ACCOUNTS)
    assert AccountPod.objects.get(identifier="acme").pod.name == "Pod 18"
