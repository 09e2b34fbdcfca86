"""One audience function: the rule of contracts §6, and the preview agreeing with the send."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Component
from incidents.notifications.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationState,
    Subscriber,
    SubscriberState,
)
from incidents.notifications.services import delivery, notification_record, summarize
from incidents.notifications.services.audience import audience


def test_subscribers_hear_only_of_their_components(make_incident, make_subscriber, pods):
    everything = make_subscriber("all@example.com")
    pod13 = make_subscriber("13@example.com", components=[pods["Pod 13"]])
    pod14 = make_subscriber("14@example.com", components=[pods["Pod 14"]])
    both = make_subscriber("both@example.com", components=[pods["Pod 13"], pods["Pod 14"]])
    incident = make_incident()  # touches Pod 13
    follower = make_subscriber("f@example.com", incidents=[incident], incidents_only=True)
    only_other = make_subscriber("o@example.com", incidents_only=True)
    notification = Notification.objects.get(incident=incident)
    assert set(audience(notification)) == {everything, pod13, both, follower}
    assert pod14 not in audience(notification) and only_other not in audience(notification)


def test_a_follower_hears_of_the_incident_whatever_their_components(
    make_incident, make_subscriber, pods
):
    incident = make_incident()
    follower = make_subscriber(components=[pods["Pod 17"]], incidents=[incident])
    assert follower in audience(Notification.objects.get(incident=incident))


def test_a_notification_naming_no_component_reaches_those_following_all(
    make_incident, make_subscriber, pods
):
    everything = make_subscriber()
    make_subscriber(components=[pods["Pod 13"]])
    notification = Notification.objects.get(incident=make_incident(components={}))
    assert list(audience(notification)) == [everything]
    assert summarize(notification).warnings


def test_the_summary_breaks_the_audience_down(make_incident, make_subscriber, pods, settings):
    settings.LANGUAGES = [("en", "English"), ("it", "Italiano")]
    make_subscriber(language="it")
    make_subscriber(components=[pods["Pod 13"]])
    make_subscriber(components=[pods["Pod 13"], pods["Pod 14"]], language="it")
    make_subscriber(components=[pods["Pod 17"]])
    summary = summarize(Notification.objects.get(incident=make_incident()))
    assert summary.total == 3 and summary.active_subscribers == 4
    assert summary.all_components == 1
    assert summary.by_component == [("Pods / Pod 13", 2)]
    assert summary.by_language == [("it", "Italiano", 2), ("en", "English", 1)]


def test_the_guard_asks_for_approval_above_the_threshold(make_incident, make_subscriber, settings):
    settings.NOTIFY_APPROVAL_THRESHOLD = 2
    for _ in range(3):
        make_subscriber()
    summary = summarize(Notification.objects.get(incident=make_incident()))
    assert summary.needs_approval
    assert "3 recipients is more than the 2" in summary.reasons[0]


def test_the_guard_asks_for_approval_when_one_pod_reaches_everyone(
    make_incident, make_subscriber, pods, settings
):
    settings.NOTIFY_WIDE_MIN_AUDIENCE = 3
    for _ in range(4):
        make_subscriber()  # everyone follows everything...
    make_subscriber(components=[pods["Pod 17"]])
    incident = make_incident()  # ...and the incident touches one pod of three
    summary = summarize(Notification.objects.get(incident=incident))
    assert summary.needs_approval
    assert "80% of all subscribers" in summary.reasons[0]
    assert "only 1 of 3 components" in summary.reasons[0]


def test_a_targeted_audience_needs_no_approval(make_incident, make_subscriber, pods, settings):
    settings.NOTIFY_WIDE_MIN_AUDIENCE = 3
    for _ in range(4):
        make_subscriber(components=[pods["Pod 17"]])
    for _ in range(4):
        make_subscriber(components=[pods["Pod 13"]])
    summary = summarize(Notification.objects.get(incident=make_incident()))
    assert summary.total == 4 and not summary.needs_approval


def _reference(subscribers, component_ids: set[int], incident_id: int) -> set[int]:
    """The rule of contracts §6 written plainly, independently of the query."""
    chosen = set()
    for s in subscribers:
        if s.state != SubscriberState.ACTIVE:
            continue
        follows = {c.pk for c in s.components.all()}
        followed = {i.pk for i in s.incidents.all()}
        by_components = not s.incidents_only and (not follows or follows & component_ids)
        if by_components or incident_id in followed:
            chosen.add(s.pk)
    return chosen


subscriber_specs = st.lists(
    st.tuples(
        st.sampled_from(SubscriberState.values),
        st.sets(st.integers(0, 3), max_size=4),  # followed components, by index
        st.booleans(),  # follows the incident
        st.booleans(),  # incidents only
    ),
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=subscriber_specs, touched=st.sets(st.integers(0, 3), max_size=4))
def test_the_preview_and_the_send_agree_for_any_subscribers(
    specs, touched, make_incident, pods, billing
):
    components = [*pods.values(), billing]
    with transaction.atomic():
        incident = make_incident(components={})
        notification = notification_record(
            kind=NotificationKind.INCIDENT_UPDATED,
            incident=incident,
            components=[components[i] for i in touched],
        )
        for n, (state, follows, follows_incident, only) in enumerate(specs):
            subscriber = Subscriber.objects.create(
                email=f"s{n}@example.com", state=state, incidents_only=only
            )
            subscriber.components.set([components[i] for i in follows])
            if follows_incident:
                subscriber.incidents.add(incident)
        preview = summarize(notification)
        Notification.objects.filter(pk=notification.pk).update(
            state=NotificationState.QUEUED, confirmed_at=timezone.now()
        )
        frozen = delivery.freeze_audience(notification.pk)
        sent_to = set(
            Delivery.objects.filter(notification=notification).values_list(
                "subscriber_id", flat=True
            )
        )
        expected = _reference(
            Subscriber.objects.prefetch_related("components", "incidents"),
            {components[i].pk for i in touched},
            incident.pk,
        )
        if preview.needs_approval:
            assert frozen is None  # held back for a manager, nothing written
            assert sent_to == set()
        else:
            assert frozen == preview.total == len(sent_to)
            assert sent_to == expected
        assert preview.total == len(expected)
        transaction.set_rollback(True)


def test_components_are_snapshotted_when_recorded(make_incident, make_subscriber, pods):
    incident = make_incident()
    notification = Notification.objects.get(incident=incident)
    pod14 = make_subscriber(components=[pods["Pod 14"]])
    from incidents import services

    services.update_post(
        incident, status="identified", body="Spread.", components={pods["Pod 14"]: "major_outage"}
    )
    assert pod14 not in audience(notification)  # the first notification was about Pod 13
    latest = Notification.objects.filter(incident=incident).latest("pk")
    assert pod14 in audience(latest)
    assert set(Component.objects.filter(pk__in=latest.components.all())) == {
        pods["Pod 13"],
        pods["Pod 14"],
    }
