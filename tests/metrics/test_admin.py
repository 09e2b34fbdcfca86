"""The staff side: metrics set up through the services, a poll's failure shown, from three
sides (a manager, support staff, an anonymous visitor)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from incidents.audit.models import AuditLog
from incidents.metrics.models import Metric, MetricPoint, MetricProvider
from incidents.metrics.services import metric_data_add
from tests.access.conftest import form_data


def test_a_manager_adds_a_metric_with_its_components(manager_client, pushed, pods):
    url = reverse("admin:metrics_metric_add")
    data = form_data(manager_client, url, name="Pod 13 latency", provider=str(pushed.pk),
                     suffix="ms", components=[str(pods["Pod 13"].pk)])  # fmt: skip
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.content
    metric = Metric.objects.get()
    assert list(metric.components.all()) == [pods["Pod 13"]]
    assert AuditLog.objects.filter(action="metric.create").exists()


def test_the_form_refuses_what_the_service_refuses(manager_client, pushed):
    url = reverse("admin:metrics_metric_add")
    data = form_data(manager_client, url, name="Latency", provider=str(pushed.pk),
                     y_axis_min="10", y_axis_max="5")  # fmt: skip
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "The y-axis minimum must be below its maximum." in response.text
    assert not Metric.objects.exists()


def test_a_polls_failure_is_shown_to_staff(support_client, polled, make_metric):
    make_metric("Latency", provider=polled, query="up")
    MetricProvider.objects.filter(pk=polled.pk).update(
        last_error="no answer within 5 s", failures=3, last_polled_at=timezone.now()
    )
    Metric.objects.update(last_error="the query returned no series")
    listing = support_client.get(reverse("admin:metrics_metricprovider_changelist")).text
    assert "no answer within 5 s" in listing
    page = support_client.get(reverse("admin:metrics_metricprovider_change", args=[polled.pk]))
    assert page.status_code == 200 and "the query returned no series" in page.text


def test_support_staff_see_metrics_but_do_not_change_them(support_client, metric):
    assert support_client.get(reverse("admin:metrics_metric_changelist")).status_code == 200
    assert support_client.get(reverse("admin:metrics_metric_add")).status_code == 403
    url = reverse("admin:metrics_metric_change", args=[metric.pk])
    assert support_client.post(url, {"name": "Renamed"}).status_code == 403
    assert Metric.objects.get().name == "API latency"


def test_anonymous_visitors_are_sent_to_the_login(client, metric):
    response = client.get(reverse("admin:metrics_metric_changelist"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_manager_resets_a_metrics_data(manager_client, metric):
    metric_data_add({metric: [(int(timezone.now().timestamp()) - 60, 1.0)]})
    response = manager_client.post(
        reverse("admin:metrics_metric_changelist"),
        {"action": "reset_data", "_selected_action": [metric.pk]},
    )
    assert response.status_code == 302
    assert not MetricPoint.objects.exists()
    assert AuditLog.objects.filter(action="metric.data_delete").exists()


def test_deleting_a_metric_goes_through_the_service(manager_client, metric):
    url = reverse("admin:metrics_metric_delete", args=[metric.pk])
    assert manager_client.post(url, {"post": "yes"}).status_code == 302
    assert not Metric.objects.exists()
    assert AuditLog.objects.filter(action="metric.delete").exists()
