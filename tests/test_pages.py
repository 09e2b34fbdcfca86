from django.urls import reverse

from incidents import services
from incidents.models import Component, ComponentGroup, ComponentStatus
from incidents.services.page import page_update
from tests.conftest import render_queries, utc


def test_status_page_shows_banner_components_and_open_incident(client, make_incident, pods):
    make_incident(name="Pod 13 slow", impact_override="major", body="Looking at **Pod 13**.")
    response = client.get("/")
    assert response.status_code == 200
    text = response.text
    assert "Partial System Outage" in text
    assert "Pods" in text and "Pod 14" in text
    assert "Active incidents" in text
    assert "Pod 13 slow" in text
    assert "Looking at Pod 13." in text  # the latest update, as text


def test_status_page_when_all_is_well(client, pods):
    text = client.get("/").text
    assert "All Systems Operational" in text
    assert "Active incidents" not in text
    assert "No incidents reported." in text


def test_degraded_component_alone_sets_the_banner(client, pods):
    services.component_set_status(pods["Pod 17"], ComponentStatus.MAJOR_OUTAGE)
    assert "Major Service Outage" in client.get("/").text


def test_hidden_components_stay_off_the_page(client, pods):
    services.component_save(Component(name="Internal queue", showcase=False))
    quiet = services.component_save(Component(name="Fax gateway", only_show_if_degraded=True))
    assert "Internal queue" not in client.get("/").text
    assert "Fax gateway" not in client.get("/").text
    services.component_set_status(quiet, ComponentStatus.DEGRADED_PERFORMANCE)
    assert "Fax gateway" in client.get("/").text


def test_recent_resolved_incident_is_listed_under_its_day(client, make_incident):
    incident = make_incident(name="Short blip", started_at=utc(2024, 3, 20, 19),
                             display_at=utc(2024, 3, 20, 20))  # fmt: skip
    services.incident_resolve(incident, body="All good.", display_at=utc(2024, 3, 20, 21))
    text = client.get("/").text
    assert "Short blip" in text
    assert "March 20, 2024" in text


def test_incident_page_shows_window_affected_timeline_and_more_info(client, make_incident, pods):
    incident = make_incident(
        name="Banner shown by mistake",
        summary="Admins saw a *false* banner.",
        started_at=utc(2024, 3, 20, 19),
        display_at=utc(2024, 3, 20, 20, 59),
    )
    services.incident_resolve(
        incident, body="Fixed.", resolved_at=utc(2024, 3, 21, 1, 7),
        display_at=utc(2024, 3, 21, 15, 35),
    )  # fmt: skip
    response = client.get(reverse("incidents:incident", args=[incident.public_id]))
    text = response.text
    assert "Admins saw a <em>false</em> banner." in text
    assert "March 20, 2024 - 19:00 UTC | 12:00 PT to 01:07 UTC | 18:07 PT" in text
    assert "(6 h 7 min)" in text
    assert "Pods · Pod 13" in text
    assert text.index("20:59 UTC | 13:59 PT") < text.index("March 21 - 15:35 UTC | 08:35 PT")
    assert "Partial outage → Operational" in text
    assert "For more information" in text and "Contact support" in text


def test_the_support_link_is_the_pages_setting(client, make_incident):
    page_update({"support_url": "https://help.example.com/new"})
    incident = make_incident()
    text = client.get(incident.get_absolute_url()).text
    assert '<a href="https://help.example.com/new">Contact support</a>' in text
    page_update({"support_url": ""})
    assert "Contact support" not in client.get(incident.get_absolute_url()).text


def test_unknown_incident_is_404(client, db):
    assert client.get("/incidents/doesnotexist/").status_code == 404


def test_staff_text_cannot_inject_script(client, make_incident):
    incident = make_incident(
        name="<script>alert('name')</script>",
        body="<img src=x onerror=alert(1)> [x](javascript:alert(2))",
        summary="<script>alert('summary')</script>",
    )
    for url in ["/", incident.get_absolute_url()]:
        text = client.get(url).text
        assert "<script>alert" not in text
        assert "onerror" not in text
        assert "javascript:" not in text


def _components() -> list[Component]:
    groups = [ComponentGroup.objects.create(name=f"Group {g}", position=g) for g in range(3)]
    return [
        Component.objects.create(name=f"Component {n}", group=groups[n % 3], position=n)
        for n in range(12)
    ]


def _incidents(components: list[Component], numbers: range) -> None:
    for n in numbers:
        incident = services.incident_create(
            name=f"Incident {n}", body="Investigating.",
            components={components[n % 12]: "partial_outage"},
            started_at=utc(2024, 1, 1), display_at=utc(2024, 1, 1, 0, n % 60),
        )  # fmt: skip
        if n % 5:  # most are resolved; some stay open
            services.incident_resolve(incident, body="Fixed.", display_at=utc(2024, 1, 1, 2))


def test_status_page_query_count_does_not_grow(client, db):
    components = _components()
    _incidents(components, range(5))
    few, _ = render_queries(client, "/")
    _incidents(components, range(5, 500))
    many, response = render_queries(client, "/")
    assert few == many <= 10
    assert "Incident 0" in response.text  # an open one
