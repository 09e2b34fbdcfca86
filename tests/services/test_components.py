import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Component, ComponentGroup


def test_set_status(pods):
    services.component_set_status(pods["Pod 14"], "under_maintenance")
    pods["Pod 14"].refresh_from_db()
    assert pods["Pod 14"].status == "under_maintenance"


def test_unknown_status_is_refused_and_changes_nothing(pods):
    with pytest.raises(ValidationError, match="not a component status"):
        services.component_set_status(pods["Pod 14"], "sideways")
    pods["Pod 14"].refresh_from_db()
    assert pods["Pod 14"].status == "operational"


def test_save_validates_every_field(db):
    with pytest.raises(ValidationError) as raised:
        services.component_save(Component(name="", status="broken"))
    assert "status" in raised.value.message_dict
    assert not Component.objects.exists()


def test_group_with_components_cannot_be_deleted(pods):
    group = ComponentGroup.objects.get(name="Pods")
    with pytest.raises(ValidationError):
        services.group_delete(group)
    assert ComponentGroup.objects.filter(pk=group.pk).exists()
