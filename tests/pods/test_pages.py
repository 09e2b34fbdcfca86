"""/my/ finds a reader's pod; /pods/<slug>/ shows only what affects that pod."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Component, ComponentStatus, Page
from incidents.pods.selectors import pod_page
from tests.conftest import render_queries, utc

MISS = "We could not find a pod for that."


# The lookup


def test_lookup_form_is_shown_without_a_lookup(client, db):
    response = client.get("/my/")
    assert response.status_code == 200
    assert "Find your pod" in response.text and MISS not in response.text
    assert 'method="post" action="/my/"' in response.text


@pytest.mark.parametrize(
    "typed", ["acme", "ACME ", "acme.example.com", "https://acme.example.com/agent/tickets"]
)
def test_a_known_account_goes_to_its_pods_page(client, accounts, typed):
    response = client.post("/my/", {"account": typed})
    assert response.status_code == 302
    assert response["Location"] == "/pods/pod-13/"


def test_a_lookup_by_get_works_too(client, accounts):
    response = client.get("/my/", {"account": "globex"})
    assert response.status_code == 302 and response["Location"] == "/pods/pod-14/"


def test_every_miss_gets_the_same_answer(client, accounts):
    answers = [
        client.post("/my/", {"account": typed})
        for typed in ["initech", "not an account!", "", "x" * 300, "https://"]
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert MISS in answers[0].text
    assert 'href="/"' in answers[0].text  # the full page


def test_a_hit_and_a_miss_cost_the_same_queries(client, accounts, django_assert_num_queries):
    Page.current()  # read once per few minutes by a running site, not per answer
    with django_assert_num_queries(1):
        client.post("/my/", {"account": "acme"})
    with django_assert_num_queries(1):
        client.post("/my/", {"account": "initech"})
    with django_assert_num_queries(1):
        client.post("/my/", {"account": "not valid!"})


def test_lookups_keep_nothing(client, accounts):
    for response in (client.post("/my/", {"account": "acme"}),
                     client.post("/my/", {"account": "initech"})):  # fmt: skip
        assert "no-store" in response["Cache-Control"]
        assert not response.cookies
    assert client.get("/pods/pod-13/")["X-Cache"] == "MISS"  # the page is cached on its own


def test_lookups_are_rate_limited_per_ip(client, accounts, settings):
    settings.POD_LOOKUP_RATE = "2/m"
    assert client.post("/my/", {"account": "acme"}).status_code == 302
    assert client.post("/my/", {"account": "initech"}).status_code == 200
    assert client.get("/my/").status_code == 200  # the empty form is not a lookup
    limited = client.post("/my/", {"account": "acme"})
    assert limited.status_code == 429
    assert "Too many requests" in limited.text
    other_ip = client.post("/my/", {"account": "acme"}, REMOTE_ADDR="10.0.0.2")
    assert other_ip.status_code == 302


def test_status_page_carries_the_lookup_form_and_stays_the_same_for_everyone(client, pods):
    first = client.get("/")
    assert 'action="/my/"' in first.text and 'name="account"' in first.text
    assert "csrfmiddlewaretoken" not in first.text
    assert client.get("/")["X-Cache"] == "HIT"


# The pod's page


@pytest.fixture
def other_group_component(db):
    return services.component_save(Component(name="Status API"))  # no group: a product


@pytest.fixture
def mixed(pods, billing, make_incident):
    """One incident or maintenance of each kind the rule tells apart."""
    soon = timezone.now() + timedelta(days=2)
    return {
        "mine": make_incident(name="Pod 13 slow", components={pods["Pod 13"]: "partial_outage"}),
        "other": make_incident(
            name="Pod 14 and Billing down",
            components={pods["Pod 14"]: "major_outage", billing: "major_outage"},
        ),
        "product": make_incident(
            name="Billing invoices late", components={billing: "degraded_performance"}
        ),
        "general": services.incident_create(name="Email delays", body="Looking."),
        "both_pods": make_incident(
            name="Pods 13 and 14 errors",
            components={pods["Pod 13"]: "degraded_performance", pods["Pod 14"]: "major_outage"},
        ),
        "upgrade_13": services.maintenance_schedule(
            name="Pod 13 upgrade", body="Upgrade.", scheduled_for=soon,
            scheduled_until=soon + timedelta(hours=1), components=[pods["Pod 13"]],
            deliver_notifications=False,
        ),
        "upgrade_14": services.maintenance_schedule(
            name="Pod 14 upgrade", body="Upgrade.", scheduled_for=soon,
            scheduled_until=soon + timedelta(hours=1), components=[pods["Pod 14"]],
            deliver_notifications=False,
        ),
    }  # fmt: skip


def test_pod_page_shows_what_touches_the_pod_or_no_pod(client, mixed):
    text = client.get("/pods/pod-13/").text
    for shown in ["Pod 13 slow", "Billing invoices late", "Email delays", "Pods 13 and 14 errors",
                  "Pod 13 upgrade"]:  # fmt: skip
        assert shown in text, shown
    for hidden in ["Pod 14 and Billing down", "Pod 14 upgrade"]:
        assert hidden not in text, hidden
    text = client.get("/pods/pod-14/").text
    for shown in ["Pod 14 and Billing down", "Billing invoices late", "Pod 14 upgrade"]:
        assert shown in text, shown
    for hidden in ["Pod 13 slow", "Pod 13 upgrade"]:
        assert hidden not in text, hidden


def test_pod_page_lists_the_pod_and_the_products_with_uptime(
    client, pods, billing, other_group_component
):
    text = client.get("/pods/pod-13/").text
    listed = re.findall(r'<li class="component" data-component="(\w+)"', text)
    # Ungrouped components first, then the groups in their order, as on `/`.
    assert listed == [other_group_component.public_id, pods["Pod 13"].public_id, billing.public_id]
    assert text.count('class="uptime"') == 3
    assert "<h1>Pod 13 status</h1>" in text
    assert f"/history/?component={pods['Pod 13'].public_id}" in text


def test_pod_page_banner_follows_its_own_components(client, pods, billing):
    services.component_set_status(pods["Pod 14"], ComponentStatus.MAJOR_OUTAGE)
    assert "All Systems Operational" in client.get("/pods/pod-13/").text
    assert "Major Service Outage" in client.get("/pods/pod-14/").text
    services.component_set_status(billing, ComponentStatus.PARTIAL_OUTAGE)
    assert "Partial System Outage" in client.get("/pods/pod-13/").text


def test_recent_incidents_follow_the_rule(client, pods, make_incident):
    for name, pod in [("Old Pod 13 blip", "Pod 13"), ("Old Pod 14 blip", "Pod 14")]:
        incident = make_incident(
            name=name,
            components={pods[pod]: "partial_outage"},
            started_at=utc(2024, 3, 20, 19),
            display_at=utc(2024, 3, 20, 20),
        )
        services.incident_resolve(incident, body="Fixed.", display_at=utc(2024, 3, 20, 21))
    text = client.get("/pods/pod-13/").text
    assert "Old Pod 13 blip" in text and "March 20, 2024" in text
    assert "Old Pod 14 blip" not in text


def test_pod_page_subscribe_form_is_preset_to_its_components(client, pods, billing):
    text = client.get("/pods/pod-13/").text
    sent = re.findall(r'<input type="hidden" name="components" value="(\w+)">', text)
    assert set(sent) == {pods["Pod 13"].public_id, billing.public_id}
    form = client.get("/subscribe/", {"components": sent, "email": "a@example.com"}).text
    checked = re.findall(
        r'<input type="checkbox" name="components" value="(\d+)"[^>]*checked', form
    )
    assert {int(pk) for pk in checked} == {pods["Pod 13"].pk, billing.pk}


def test_pod_page_queries_do_not_grow_with_incidents(client, mixed, make_incident, pods):
    few, _ = render_queries(client, "/pods/pod-13/")
    for n in range(10):
        make_incident(name=f"More {n}", components={pods["Pod 13"]: "major_outage"})
    many, response = render_queries(client, "/pods/pod-13/")
    assert few == many <= 12
    assert "More 9" in response.text


def test_pod_page_is_cached_and_fresh_after_a_change(client, pods, make_incident):
    assert client.get("/pods/pod-13/")["X-Cache"] == "MISS"
    assert client.get("/pods/pod-13/")["X-Cache"] == "HIT"
    make_incident(name="New trouble on Pod 13")
    fresh = client.get("/pods/pod-13/")
    assert fresh["X-Cache"] == "MISS" and "New trouble on Pod 13" in fresh.text


def test_only_pods_have_a_page(client, pods, billing):
    assert client.get("/pods/pod-99/").status_code == 404
    assert client.get("/pods/billing/").status_code == 404


def test_the_pod_group_is_a_setting(client, pods, billing, settings):
    settings.STATUS_POD_GROUP = "Products"
    assert client.get("/pods/billing/").status_code == 200
    assert client.get("/pods/pod-13/").status_code == 404


def test_selector_keeps_the_status_page_shape(pods, billing, mixed):
    page = pod_page(pods["Pod 13"]).page
    assert {i.name for i in page.open_incidents} == {
        "Pod 13 slow", "Billing invoices late", "Email delays", "Pods 13 and 14 errors"
    }  # fmt: skip
    assert [m.name for m in page.upcoming_maintenance] == ["Pod 13 upgrade"]


def test_a_products_uptime_on_a_pod_page_counts_only_what_that_page_shows(
    client, pods, billing, make_incident
):
    make_incident(name="Pod 14 billing down",
                  components={pods["Pod 14"]: "major_outage", billing: "major_outage"})  # fmt: skip
    billing_on = {
        slug: pod_page(pods[name]).page.uptime[billing.pk]
        for slug, name in [("pod-13", "Pod 13"), ("pod-14", "Pod 14")]
    }
    assert billing_on["pod-13"].days[-1].incidents == []
    assert [row.incident.name for row in billing_on["pod-14"].days[-1].incidents] == [
        "Pod 14 billing down"
    ]


def test_a_pod_whose_name_has_no_slug_letters_has_a_page_at_its_public_id(client, pods):
    rocket = services.component_save(Component(group=pods["Pod 13"].group, name="🚀🚀"))
    status = client.get("/")
    assert status.status_code == 200
    response = client.get(f"/pods/{rocket.public_id}/")
    assert response.status_code == 200 and "🚀🚀" in response.text
