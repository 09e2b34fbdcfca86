"""The postmortem calls as Statuspage's clients make them: publish with or without telling
subscribers, delete a draft; and incidents found by what their updates and postmortem say."""

import pytest

from incidents import services
from incidents.models import Postmortem
from incidents.notifications.models import Notification


@pytest.fixture
def draft(make_incident):
    incident = make_incident(name="Slow search", body="Searches are slow.")
    services.incident_resolve(incident, body="A full disk was cleaned.")
    return services.postmortem_save_draft(incident, root_cause="The log volume filled up.")


def _path(v1, draft, action=""):
    return f"{v1}/incidents/{draft.incident.public_id}/postmortem" + action


def test_publishing_with_notify_subscribers_false_tells_nobody(call, v1, manager_key, draft):
    before = Notification.objects.count()
    published = call("PUT", _path(v1, draft, "/publish"), manager_key,
                     {"postmortem": {"notify_subscribers": False}})  # fmt: skip
    assert published.status_code == 200 and published.json()["published_at"]
    assert Notification.objects.count() == before


def test_publishing_tells_followers_by_default(call, v1, manager_key, draft):
    call("PUT", _path(v1, draft, "/publish"), manager_key, {"postmortem": {}})
    assert Notification.objects.filter(
        incident=draft.incident, kind="postmortem_published"
    ).exists()


def test_a_draft_is_deleted_and_answered_a_published_one_is_refused(call, v1, manager_key, draft):
    call("PUT", _path(v1, draft, "/publish"), manager_key, {"postmortem": {}})
    refused = call("DELETE", _path(v1, draft), manager_key)
    assert refused.status_code == 422 and Postmortem.objects.filter(pk=draft.pk).exists()
    call("PUT", _path(v1, draft, "/revert"), manager_key)
    deleted = call("DELETE", _path(v1, draft), manager_key)
    assert deleted.status_code == 200 and "log volume" in deleted.json()["body_draft"]
    assert not Postmortem.objects.filter(pk=draft.pk).exists()
    assert call("DELETE", _path(v1, draft), manager_key).status_code == 404


def test_support_staff_may_not_delete_a_postmortem(call, v1, support_key, draft):
    assert call("DELETE", _path(v1, draft), support_key).status_code == 403
    assert Postmortem.objects.filter(pk=draft.pk).exists()


def test_q_finds_words_of_the_updates_and_the_postmortem(call, v1, manager_key, draft,
                                                         make_incident):  # fmt: skip
    make_incident(name="Checkout errors", body="Payments fail on Pod 13.")
    cases = [("full disk", ["Slow search"]), ("log volume", ["Slow search"]),
             ("payments", ["Checkout errors"]), ("nothing like it", [])]  # fmt: skip
    for words, expected in cases:
        found = call("GET", f"{v1}/incidents?q={words.replace(' ', '+')}", manager_key)
        assert [row["name"] for row in found.json()] == expected, words
