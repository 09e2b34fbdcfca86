"""Compatibility: every Subscribers and IncidentSubscribers call of the client generated from
Statuspage's published API description (atlassian-statuspage) works against a live server,
its own models parsing our answers; bad input is a JSON 4xx that changes nothing."""

import json
from datetime import datetime

import atlassian_statuspage as sp
import pytest
from django.conf import settings

from incidents.audit.models import AuditLog
from incidents.notifications.models import Subscriber, SubscriberMode, SubscriberState
from tests.fingerprint import database_fingerprint

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # See test_generated_client: the test server's threads finishing kept-alive connections.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PAGE = settings.STATUSPAGE_PAGE_ID


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_RATE = "100000/m"


@pytest.fixture
def subscribers(client_for, manager_key, eager):
    return sp.SubscribersApi(client_for(manager_key))


@pytest.fixture
def followers(client_for, manager_key, eager):
    return sp.IncidentSubscribersApi(client_for(manager_key))


def make(email=None, *, state=SubscriberState.ACTIVE, components=(), incidents=(), **fields):
    subscriber = Subscriber.objects.create(email=email or "", state=state, **fields)
    subscriber.components.set(components)
    subscriber.incidents.set(incidents)
    return subscriber


def webhook(endpoint, state=SubscriberState.ACTIVE, **fields):
    return make(
        mode=SubscriberMode.WEBHOOK,
        endpoint=endpoint,
        webhook_secret="s" * 43,
        state=state,
        **fields,
    )


def refused(status, call, *args, **kwargs):
    """The call fails with `status`, a JSON error, and leaves the database as it was."""
    before = database_fingerprint()
    with pytest.raises(sp.rest.ApiException) as caught:
        call(*args, **kwargs)
    assert caught.value.status == status, caught.value.body
    assert caught.value.headers["Content-Type"].startswith("application/json")
    assert json.loads(caught.value.body)["error"]
    assert database_fingerprint() == before
    return json.loads(caught.value.body)["error"]


def mailed(outbox) -> list[str]:
    return [address for message in outbox for address in message.to]


def state_of(subscriber) -> str:
    return Subscriber.objects.get(pk=subscriber.pk).state


def ids(found) -> list[str]:
    return [s.id for s in found]


# Subscribers: create, read, list, resend, unsubscribe


def test_create_asks_to_confirm_then_get_list_resend_delete(subscribers, pods, mailoutbox):
    pod = pods["Pod 13"].public_id
    body = sp.PostPagesPageIdSubscribers(
        subscriber=sp.PostPagesPageIdSubscribersSubscriber(
            email="Reader@Example.com", component_ids=[pod]
        )
    )
    created = subscribers.post_pages_page_id_subscribers(body, PAGE)
    assert isinstance(created, sp.Subscriber)
    assert created.mode == "email" and created.email == "reader@example.com"
    assert created.skip_confirmation_notification is False
    assert isinstance(created.created_at, datetime)
    # The client reads `components` as a string (its description says so): the ids are in it.
    assert pod in created.components
    assert mailed(mailoutbox) == ["reader@example.com"]
    assert Subscriber.objects.get().state == SubscriberState.PENDING

    fetched = subscribers.get_pages_page_id_subscribers_subscriber_id(PAGE, created.id)
    assert fetched.id == created.id and fetched.email == "reader@example.com"
    # The list is of active subscribers unless `state` says otherwise.
    assert subscribers.get_pages_page_id_subscribers(PAGE) == []
    assert ids(subscribers.get_pages_page_id_subscribers(PAGE, state="unconfirmed")) == [created.id]
    assert ids(subscribers.get_pages_page_id_subscribers(PAGE, state="all")) == [created.id]

    assert (
        subscribers.post_pages_page_id_subscribers_subscriber_id_resend_confirmation(
            PAGE, created.id
        )
        is None
    )
    assert mailed(mailoutbox) == ["reader@example.com"] * 2

    gone = subscribers.delete_pages_page_id_subscribers_subscriber_id(
        PAGE, created.id, skip_unsubscription_notification=True
    )
    assert isinstance(gone, sp.Subscriber) and gone.id == created.id
    assert Subscriber.objects.get().state == SubscriberState.UNSUBSCRIBED
    assert len(mailoutbox) == 2  # nobody is told of the unsubscription
    # Only a subscriber who has not confirmed yet is asked again.
    refused(
        422,
        subscribers.post_pages_page_id_subscribers_subscriber_id_resend_confirmation,
        PAGE,
        created.id,
    )


def test_skip_confirmation_makes_an_active_subscriber_and_records_who(
    subscribers, manager_user, mailoutbox, db
):
    body = sp.PostPagesPageIdSubscribers(
        subscriber=sp.PostPagesPageIdSubscribersSubscriber(
            email="imported@example.com", skip_confirmation_notification=True
        )
    )
    created = subscribers.post_pages_page_id_subscribers(body, PAGE)
    assert created.skip_confirmation_notification is True
    assert mailoutbox == []
    subscriber = Subscriber.objects.get(public_id=created.id)
    assert subscriber.state == SubscriberState.ACTIVE and subscriber.confirmed_at
    entry = AuditLog.objects.get(action="subscriber.opt_in_skipped")
    assert entry.actor == manager_user and entry.target_id == str(subscriber.pk)
    assert entry.after["state"] == "active"
    assert ids(subscribers.get_pages_page_id_subscribers(PAGE)) == [created.id]

    # An address that unsubscribed is not opted in again without its confirmation.
    left = make("left@example.com", state=SubscriberState.UNSUBSCRIBED)
    again = sp.PostPagesPageIdSubscribers(
        subscriber=sp.PostPagesPageIdSubscribersSubscriber(
            email="left@example.com", skip_confirmation_notification=True
        )
    )
    refused(422, subscribers.post_pages_page_id_subscribers, again, PAGE)
    assert state_of(left) == SubscriberState.UNSUBSCRIBED and mailoutbox == []


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "not an address"},
        {"email": "a@example.com\r\nBcc: b@example.com"},
        {"email": "a@example.com", "component_ids": ["nosuchcompnt"]},
        {"phone_number": "5551234", "phone_country": "US"},
        {},
    ],
)
def test_bad_subscriber_input_is_refused(subscribers, fields, mailoutbox, db):
    body = sp.PostPagesPageIdSubscribers(
        subscriber=sp.PostPagesPageIdSubscribersSubscriber(**fields)
    )
    refused(422, subscribers.post_pages_page_id_subscribers, body, PAGE)
    assert mailoutbox == []


def test_unknown_ids_are_not_found(subscribers, db):
    refused(404, subscribers.get_pages_page_id_subscribers_subscriber_id, PAGE, "nosuchsubscr")
    refused(404, subscribers.delete_pages_page_id_subscribers_subscriber_id, PAGE, "nosuchsubscr")
    refused(
        404,
        subscribers.patch_pages_page_id_subscribers_subscriber_id,
        sp.PatchPagesPageIdSubscribers(),
        PAGE,
        "nosuchsubscr",
    )
    refused(
        404,
        subscribers.post_pages_page_id_subscribers_subscriber_id_resend_confirmation,
        PAGE,
        "nosuchsubscr",
    )
    refused(404, subscribers.get_pages_page_id_subscribers, "not-our-page")


# Lists and counts


@pytest.fixture
def crowd(db):
    """Three active addresses, an active webhook, one of each other state."""
    return {
        "carol": make("carol@example.com"),
        "alice": make("alice@example.com"),
        "bob": make("bob@example.com"),
        "hook": webhook("https://hooks.example.com/status"),
        "pending": make("pending@example.com", state=SubscriberState.PENDING),
        "bounced": make("bounced@example.com", state=SubscriberState.BOUNCED),
        "disabled": webhook("https://down.example.com/h", state=SubscriberState.DISABLED),
        "left": make("left@example.com", state=SubscriberState.UNSUBSCRIBED),
    }


def test_list_by_type_state_sort_and_page(subscribers, crowd):
    listed = subscribers.get_pages_page_id_subscribers
    by_primary = ["alice", "bob", "carol", "hook"]
    ordered = [crowd[name].public_id for name in by_primary]
    assert ids(listed(PAGE)) == ordered
    assert ids(listed(PAGE, sort_direction="desc")) == ordered[::-1]
    assert ids(listed(PAGE, sort_field="created_at")) == [
        crowd[name].public_id for name in ("carol", "alice", "bob", "hook")
    ]
    assert ids(listed(PAGE, type="email")) == ordered[:3]
    [hook] = listed(PAGE, type="webhook")
    assert hook.mode == "webhook" and hook.endpoint == "https://hooks.example.com/status"
    assert hook.email is None
    assert listed(PAGE, type="sms") == [] and listed(PAGE, type="slack") == []
    # Pages count from 0 and skip page * limit rows.
    assert ids(listed(PAGE, limit=2)) == ordered[:2]
    assert ids(listed(PAGE, limit=2, page=1)) == ordered[2:]
    assert listed(PAGE, limit=2, page=2) == []
    assert len(listed(PAGE, state="all")) == len(crowd)
    assert {s.id for s in listed(PAGE, state="quarantined")} == {
        crowd["bounced"].public_id,
        crowd["disabled"].public_id,
    }
    assert all(s.quarantined_at for s in listed(PAGE, state="quarantined"))
    assert ids(listed(PAGE, state="unsubscribed")) == [crowd["left"].public_id]
    assert ids(listed(PAGE, q="BOB")) == [crowd["bob"].public_id]
    assert ids(listed(PAGE, q="hooks.example")) == [crowd["hook"].public_id]
    assert ids(listed(PAGE, q="example.com", sort_field="quarantined_at", state="all"))[:2] == [
        crowd["bounced"].public_id,
        crowd["disabled"].public_id,
    ]


def test_list_by_relevance(subscribers, db):
    """The exact match first, then those that begin with the search, then the others."""
    annabob, bob, bobby = (make(f"{name}@example.com") for name in ("annabob", "bob", "bobby"))
    listed = subscribers.get_pages_page_id_subscribers
    assert ids(listed(PAGE, q="bob")) == [annabob.public_id, bob.public_id, bobby.public_id]
    assert ids(listed(PAGE, q="bob", sort_field="relevance")) == [
        bob.public_id,
        bobby.public_id,
        annabob.public_id,
    ]
    assert ids(listed(PAGE, q="bob@example.com", sort_field="relevance")) == [
        bob.public_id,
        annabob.public_id,
    ]


def test_list_refuses_what_it_cannot_do(subscribers, crowd):
    listed = subscribers.get_pages_page_id_subscribers
    refused(422, listed, PAGE, sort_field="relevance")  # relevance needs a search
    refused(422, listed, PAGE, state="asleep")
    refused(422, listed, PAGE, type="pigeon")
    refused(422, listed, PAGE, sort_field="name")
    refused(422, listed, PAGE, limit=101)
    refused(422, listed, PAGE, page=-1)
    refused(400, listed, PAGE, q="a\x00b")  # refused before it reaches the list


def test_count_by_type_and_state(subscribers, crowd):
    counted = subscribers.get_pages_page_id_subscribers_count(PAGE)
    assert isinstance(counted, sp.SubscriberCountByType)
    assert (counted.email, counted.webhook, counted.sms, counted.slack) == (3, 1, 0, 0)
    assert counted.integration_partner == 0
    only = subscribers.get_pages_page_id_subscribers_count(PAGE, type="webhook")
    assert (only.email, only.webhook) == (0, 1)
    every = subscribers.get_pages_page_id_subscribers_count(PAGE, state="all")
    assert (every.email, every.webhook) == (6, 2)
    quarantined = subscribers.get_pages_page_id_subscribers_count(PAGE, state="quarantined")
    assert (quarantined.email, quarantined.webhook) == (1, 1)
    unconfirmed = subscribers.get_pages_page_id_subscribers_count(
        PAGE, type="email", state="unconfirmed"
    )
    assert unconfirmed.email == 1
    refused(422, subscribers.get_pages_page_id_subscribers_count, PAGE, state="asleep")


def test_histogram_by_state(subscribers, crowd):
    histogram = subscribers.get_pages_page_id_subscribers_histogram_by_state(PAGE)
    assert isinstance(histogram, sp.SubscriberCountByTypeAndState)
    assert isinstance(histogram.email, sp.SubscriberCountByState)
    email, hooks = histogram.email, histogram.webhook
    assert (email.active, email.unconfirmed, email.quarantined, email.total) == (3, 1, 1, 5)
    assert (hooks.active, hooks.unconfirmed, hooks.quarantined, hooks.total) == (1, 0, 1, 2)
    assert histogram.sms.total == histogram.slack.total == 0


def test_unsubscribed_list_pages(subscribers, db):
    left = [make(f"left{n}@example.com", state=SubscriberState.UNSUBSCRIBED) for n in range(3)]
    make("stays@example.com")
    listed = subscribers.get_pages_page_id_subscribers_unsubscribed
    assert {s.id for s in listed(PAGE)} == {s.public_id for s in left}
    assert all(isinstance(s, sp.Subscriber) for s in listed(PAGE))
    first, second = listed(PAGE, page=1, per_page=2), listed(PAGE, page=2, per_page=2)
    assert len(first) == 2 and len(second) == 1
    assert {s.id for s in first + second} == {s.public_id for s in left}
    refused(422, listed, PAGE, per_page=0)


# Changing what a subscriber hears of


def test_patch_sets_the_components(subscribers, pods, manager_user, make_incident):
    incident = make_incident()
    subscriber = make("ana@example.com", incidents=[incident], incidents_only=True)
    pod13, pod14 = pods["Pod 13"], pods["Pod 14"]
    patch = subscribers.patch_pages_page_id_subscribers_subscriber_id
    changed = patch(
        sp.PatchPagesPageIdSubscribers(component_ids=[pod13.public_id, pod14.public_id]),
        PAGE,
        subscriber.public_id,
    )
    assert isinstance(changed, sp.Subscriber)
    assert pod13.public_id in changed.components and pod14.public_id in changed.components
    subscriber.refresh_from_db()
    assert set(subscriber.components.all()) == {pod13, pod14}
    # It hears of those components now, and still of the incident it follows.
    assert not subscriber.incidents_only and list(subscriber.incidents.all()) == [incident]
    entry = AuditLog.objects.get(action="subscriber.components")
    assert entry.actor == manager_user
    assert sorted(entry.after["components"]) == sorted([pod13.pk, pod14.pk])

    # Without component_ids: all of them.
    patch(sp.PatchPagesPageIdSubscribers(), PAGE, subscriber.public_id)
    assert not subscriber.components.exists()

    # An empty list or an unknown component is refused; so is a subscriber that left.
    refused(
        422, patch, sp.PatchPagesPageIdSubscribers(component_ids=[]), PAGE, subscriber.public_id
    )
    unknown = sp.PatchPagesPageIdSubscribers(component_ids=[pod13.public_id, "nosuchcompnt"])
    refused(422, patch, unknown, PAGE, subscriber.public_id)
    left = make("left@example.com", state=SubscriberState.UNSUBSCRIBED)
    some = sp.PatchPagesPageIdSubscribers(component_ids=[pod13.public_id])
    refused(422, patch, some, PAGE, left.public_id)


# Bulk changes


def test_bulk_unsubscribe(subscribers, crowd, mailoutbox):
    unsubscribe = subscribers.post_pages_page_id_subscribers_unsubscribe
    names = ",".join(crowd[n].public_id for n in ("alice", "bob"))
    assert unsubscribe(sp.PostPagesPageIdSubscribersUnsubscribe(subscribers=names), PAGE) is None
    assert state_of(crowd["alice"]) == state_of(crowd["bob"]) == SubscriberState.UNSUBSCRIBED
    assert state_of(crowd["carol"]) == SubscriberState.ACTIVE
    # `state` (active unless given, as the client sends it) and `type` narrow what is named.
    named = ",".join(crowd[n].public_id for n in ("carol", "pending", "hook"))
    unsubscribe(
        sp.PostPagesPageIdSubscribersUnsubscribe(
            subscribers=named,
            type="email",
            state="unconfirmed",
            skip_unsubscription_notification=True,
        ),
        PAGE,
    )
    assert state_of(crowd["pending"]) == SubscriberState.UNSUBSCRIBED
    assert state_of(crowd["carol"]) == state_of(crowd["hook"]) == SubscriberState.ACTIVE
    # "all" webhooks: the active ones, then the quarantined ones.
    unsubscribe(sp.PostPagesPageIdSubscribersUnsubscribe(subscribers="all", type="webhook"), PAGE)
    assert state_of(crowd["hook"]) == SubscriberState.UNSUBSCRIBED
    assert state_of(crowd["disabled"]) == SubscriberState.DISABLED
    unsubscribe(
        sp.PostPagesPageIdSubscribersUnsubscribe(
            subscribers="all", type="webhook", state="quarantined"
        ),
        PAGE,
    )
    assert state_of(crowd["disabled"]) == SubscriberState.UNSUBSCRIBED
    assert state_of(crowd["carol"]) == SubscriberState.ACTIVE
    assert state_of(crowd["bounced"]) == SubscriberState.BOUNCED
    assert mailoutbox == []
    # An unknown id refuses the lot.
    with_unknown = sp.PostPagesPageIdSubscribersUnsubscribe(
        subscribers=f"{crowd['carol'].public_id},nosuchsubscr"
    )
    refused(404, unsubscribe, with_unknown, PAGE)
    refused(422, unsubscribe, sp.PostPagesPageIdSubscribersUnsubscribe(subscribers=" , "), PAGE)


def test_bulk_unsubscribe_all_only_below_a_hundred(subscribers, db):
    Subscriber.objects.bulk_create(
        Subscriber(email=f"r{n}@example.com", state=SubscriberState.ACTIVE) for n in range(100)
    )
    unsubscribe = subscribers.post_pages_page_id_subscribers_unsubscribe
    refused(422, unsubscribe, sp.PostPagesPageIdSubscribersUnsubscribe(subscribers="all"), PAGE)
    too_many = ",".join(f"id{n:010d}" for n in range(101))
    refused(422, unsubscribe, sp.PostPagesPageIdSubscribersUnsubscribe(subscribers=too_many), PAGE)


def test_reactivate_quarantined_subscribers(subscribers, crowd, manager_user, mailoutbox):
    reactivate = subscribers.post_pages_page_id_subscribers_reactivate
    named = f"{crowd['bounced'].public_id},{crowd['alice'].public_id}"
    assert reactivate(sp.PostPagesPageIdSubscribersReactivate(subscribers=named), PAGE) is None
    assert state_of(crowd["bounced"]) == state_of(crowd["alice"]) == SubscriberState.ACTIVE
    assert AuditLog.objects.get(action="subscriber.reactivate").actor == manager_user
    assert state_of(crowd["disabled"]) == SubscriberState.DISABLED
    # Naming one that is pending or unsubscribed refuses the lot: its owner subscribes it.
    for name in ("pending", "left"):
        with_it = sp.PostPagesPageIdSubscribersReactivate(
            subscribers=f"{crowd['disabled'].public_id},{crowd[name].public_id}"
        )
        refused(422, reactivate, with_it, PAGE)
    refused(
        404, reactivate, sp.PostPagesPageIdSubscribersReactivate(subscribers="nosuchsubscr"), PAGE
    )
    # "all" of a type we do not have changes nothing; "all" webhooks enables the disabled one.
    reactivate(sp.PostPagesPageIdSubscribersReactivate(subscribers="all", type="sms"), PAGE)
    assert state_of(crowd["disabled"]) == SubscriberState.DISABLED
    reactivate(sp.PostPagesPageIdSubscribersReactivate(subscribers="all", type="webhook"), PAGE)
    assert state_of(crowd["disabled"]) == SubscriberState.ACTIVE
    assert state_of(crowd["pending"]) == SubscriberState.PENDING
    assert state_of(crowd["left"]) == SubscriberState.UNSUBSCRIBED
    assert mailoutbox == []


def test_bulk_resend_confirmation(subscribers, crowd, mailoutbox):
    resend = subscribers.post_pages_page_id_subscribers_resend_confirmation
    second = make("second@example.com", state=SubscriberState.PENDING)
    # Only those who have not confirmed are sent a link; the others nothing.
    named = f"{crowd['pending'].public_id},{crowd['alice'].public_id}"
    assert resend(sp.PostPagesPageIdSubscribersResendConfirmation(subscribers=named), PAGE) is None
    assert mailed(mailoutbox) == ["pending@example.com"]
    resend(sp.PostPagesPageIdSubscribersResendConfirmation(subscribers="all"), PAGE)
    assert sorted(mailed(mailoutbox)) == [
        "pending@example.com",
        "pending@example.com",
        "second@example.com",
    ]
    assert state_of(second) == SubscriberState.PENDING
    unknown = sp.PostPagesPageIdSubscribersResendConfirmation(subscribers="nosuchsubscr")
    refused(404, resend, unknown, PAGE)
    assert len(mailoutbox) == 3


# Incident subscribers: the followers of one incident


def test_incident_subscribers_lifecycle(followers, subscribers, make_incident, mailoutbox):
    incident, other = make_incident(), make_incident(name="Other")
    created = followers.post_pages_page_id_incidents_incident_id_subscribers(
        sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
            subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(
                email="Follower@Example.com"
            )
        ),
        PAGE,
        incident.public_id,
    )
    assert isinstance(created, sp.Subscriber) and created.email == "follower@example.com"
    assert mailed(mailoutbox) == ["follower@example.com"]
    follower = Subscriber.objects.get(public_id=created.id)
    assert follower.state == SubscriberState.PENDING and follower.incidents_only
    assert list(follower.incidents.all()) == [incident]

    # An active subscriber follows it as well, and is sent nothing.
    known = make("known@example.com")
    followers.post_pages_page_id_incidents_incident_id_subscribers(
        sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
            subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(
                email="known@example.com"
            )
        ),
        PAGE,
        incident.public_id,
    )
    assert len(mailoutbox) == 1
    assert (
        state_of(known) == SubscriberState.ACTIVE
        and not Subscriber.objects.get(pk=known.pk).incidents_only
    )

    listed = followers.get_pages_page_id_incidents_incident_id_subscribers(PAGE, incident.public_id)
    assert ids(listed) == [created.id, known.public_id]
    assert ids(
        followers.get_pages_page_id_incidents_incident_id_subscribers(
            PAGE, incident.public_id, page=2, per_page=1
        )
    ) == [known.public_id]
    assert (
        followers.get_pages_page_id_incidents_incident_id_subscribers(PAGE, other.public_id) == []
    )
    fetched = followers.get_pages_page_id_incidents_incident_id_subscribers_subscriber_id(
        PAGE, incident.public_id, created.id
    )
    assert fetched.id == created.id

    resend = followers.post_pages_page_id_incidents_incident_id_subscribers_subscriber_id_resend_confirmation  # noqa: E501
    assert resend(PAGE, incident.public_id, created.id) is None
    assert mailed(mailoutbox) == ["follower@example.com"] * 2
    refused(422, resend, PAGE, incident.public_id, known.public_id)  # confirmed already

    # Unsubscribing from the incident: one that followed it alone is unsubscribed...
    delete = followers.delete_pages_page_id_incidents_incident_id_subscribers_subscriber_id
    gone = delete(PAGE, incident.public_id, created.id)
    assert isinstance(gone, sp.Subscriber) and gone.id == created.id
    assert state_of(follower) == SubscriberState.UNSUBSCRIBED
    # ...another keeps hearing of its components.
    delete(PAGE, incident.public_id, known.public_id)
    assert state_of(known) == SubscriberState.ACTIVE and not known.incidents.exists()
    assert (
        followers.get_pages_page_id_incidents_incident_id_subscribers(PAGE, incident.public_id)
        == []
    )
    assert AuditLog.objects.filter(action="subscriber.unfollow_incident").count() == 2
    # Not a follower any more: not found.
    refused(
        404,
        followers.get_pages_page_id_incidents_incident_id_subscribers_subscriber_id,
        PAGE,
        incident.public_id,
        known.public_id,
    )
    refused(404, delete, PAGE, incident.public_id, known.public_id)
    assert subscribers.get_pages_page_id_subscribers_subscriber_id(PAGE, known.public_id)


def test_incident_subscriber_skipping_confirmation(
    followers, make_incident, manager_user, mailoutbox
):
    incident = make_incident()
    created = followers.post_pages_page_id_incidents_incident_id_subscribers(
        sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
            subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(
                email="direct@example.com", skip_confirmation_notification=True
            )
        ),
        PAGE,
        incident.public_id,
    )
    assert created.skip_confirmation_notification is True
    assert mailoutbox == []
    assert Subscriber.objects.get(public_id=created.id).state == SubscriberState.ACTIVE
    entry = AuditLog.objects.get(action="subscriber.follow_incident")
    assert entry.actor == manager_user and entry.after["confirmation"] == "skipped"


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "not an address"},
        {"phone_number": "5551234", "phone_country": "US"},
        {},
    ],
)
def test_bad_incident_subscriber_input_is_refused(followers, make_incident, fields, mailoutbox):
    incident = make_incident()
    body = sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
        subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(**fields)
    )
    refused(
        422,
        followers.post_pages_page_id_incidents_incident_id_subscribers,
        body,
        PAGE,
        incident.public_id,
    )
    assert mailoutbox == []


def test_incident_subscribers_of_an_unknown_incident(followers, db):
    body = sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
        subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(email="a@example.com")
    )
    refused(
        404,
        followers.post_pages_page_id_incidents_incident_id_subscribers,
        body,
        PAGE,
        "nosuchincdnt",
    )
    refused(
        404, followers.get_pages_page_id_incidents_incident_id_subscribers, PAGE, "nosuchincdnt"
    )
    subscriber = make("a@example.com")
    refused(
        404,
        followers.get_pages_page_id_incidents_incident_id_subscribers_subscriber_id,
        PAGE,
        "nosuchincdnt",
        subscriber.public_id,
    )


# Permissions: support staff read, incident managers change


def test_support_staff_read_but_do_not_change(client_for, support_key, crowd, make_incident, pods):
    api = client_for(support_key)
    readers, incident = sp.SubscribersApi(api), make_incident()
    followers = sp.IncidentSubscribersApi(api)
    alice = crowd["alice"].public_id
    assert len(readers.get_pages_page_id_subscribers(PAGE)) == 4
    assert readers.get_pages_page_id_subscribers_count(PAGE).email == 3
    assert readers.get_pages_page_id_subscribers_histogram_by_state(PAGE).email.total == 5
    assert len(readers.get_pages_page_id_subscribers_unsubscribed(PAGE)) == 1
    assert readers.get_pages_page_id_subscribers_subscriber_id(PAGE, alice).id == alice
    assert (
        followers.get_pages_page_id_incidents_incident_id_subscribers(PAGE, incident.public_id)
        == []
    )
    pending = crowd["pending"].public_id
    some = sp.PatchPagesPageIdSubscribers(component_ids=[pods["Pod 13"].public_id])
    refused(403, readers.patch_pages_page_id_subscribers_subscriber_id, some, PAGE, alice)
    refused(
        403,
        readers.post_pages_page_id_subscribers_reactivate,
        sp.PostPagesPageIdSubscribersReactivate(subscribers="all"),
        PAGE,
    )
    refused(
        403,
        readers.post_pages_page_id_subscribers_resend_confirmation,
        sp.PostPagesPageIdSubscribersResendConfirmation(subscribers=pending),
        PAGE,
    )
    refused(
        403,
        readers.post_pages_page_id_subscribers_unsubscribe,
        sp.PostPagesPageIdSubscribersUnsubscribe(subscribers=alice),
        PAGE,
    )
    refused(
        403,
        readers.post_pages_page_id_subscribers,
        sp.PostPagesPageIdSubscribers(
            subscriber=sp.PostPagesPageIdSubscribersSubscriber(
                email="x@example.com", skip_confirmation_notification=True
            )
        ),
        PAGE,
    )
    refused(
        403,
        followers.post_pages_page_id_incidents_incident_id_subscribers,
        sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
            subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(
                email="x@example.com"
            )
        ),
        PAGE,
        incident.public_id,
    )
    refused(
        403,
        followers.post_pages_page_id_incidents_incident_id_subscribers_subscriber_id_resend_confirmation,
        PAGE,
        incident.public_id,
        pending,
    )
    refused(
        403,
        followers.delete_pages_page_id_incidents_incident_id_subscribers_subscriber_id,
        PAGE,
        incident.public_id,
        alice,
    )
