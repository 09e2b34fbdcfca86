"""Staff add, disable and enable webhook subscribers; the secret is shown once."""

from __future__ import annotations

from django.urls import reverse

from incidents.notifications.models import Notification, Subscriber, SubscriberState
from incidents.notifications.services.webhooks import webhook_record_failure

ADD = reverse("admin:notifications_subscriber_add")
CHANGELIST = reverse("admin:notifications_subscriber_changelist")


def change_url(subscriber) -> str:
    return reverse("admin:notifications_subscriber_change", args=[subscriber.pk])


def test_a_manager_adds_a_webhook_and_sees_its_secret_once(manager_client, webhook_server, pods):
    form = manager_client.get(ADD)
    assert form.status_code == 200 and "Webhook URL" in form.text
    response = manager_client.post(
        ADD,
        {"endpoint": webhook_server.url(), "components": [pods["Pod 13"].pk]},
        follow=True,
    )
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert (
        subscriber.state == SubscriberState.ACTIVE and subscriber.endpoint == webhook_server.url()
    )
    assert list(subscriber.components.all()) == [pods["Pod 13"]]
    assert response.redirect_chain[-1][0] == change_url(subscriber)
    assert subscriber.webhook_secret in response.text  # in the message, this once
    assert subscriber.webhook_secret not in manager_client.get(change_url(subscriber)).text
    assert subscriber.webhook_secret not in manager_client.get(CHANGELIST).text


def test_a_bad_url_is_shown_back_and_nothing_is_added(manager_client, settings, db):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = manager_client.post(ADD, {"endpoint": "https://10.0.0.1/hook"})
    assert response.status_code == 400
    assert "public address" in response.text
    assert not Subscriber.objects.exists()


def test_support_staff_and_visitors_cannot_add_webhooks(support_client, client, db):
    assert support_client.get(ADD).status_code == 403
    assert support_client.post(ADD, {"endpoint": "https://93.184.215.14/"}).status_code == 403
    support_client.logout()
    assert client.get(ADD).status_code == 302  # to the login page
    assert not Subscriber.objects.exists()


def test_staff_see_a_disabled_webhook_with_its_last_error_and_enable_it(
    manager_client, settings, make_webhook
):
    settings.WEBHOOK_DISABLE_AFTER = 1
    subscriber, _secret = make_webhook()
    assert webhook_record_failure(subscriber.pk, "HTTP 503: down for maintenance")
    listing = manager_client.get(CHANGELIST + "?mode__exact=webhook")
    assert "Disabled (webhook failing)" in listing.text
    page = manager_client.get(change_url(subscriber))
    assert "HTTP 503: down for maintenance" in page.text
    assert "1 failed attempts in a row" in page.text
    response = manager_client.post(
        CHANGELIST, {"action": "enable_webhooks", "_selected_action": [subscriber.pk]}
    )
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE and subscriber.webhook_failures == 0
    manager_client.post(
        CHANGELIST, {"action": "disable_webhooks", "_selected_action": [subscriber.pk]}
    )
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.DISABLED
    assert subscriber.disabled_reason == "Disabled by staff."


def test_support_staff_cannot_disable_webhooks(support_client, make_webhook):
    subscriber, _secret = make_webhook()
    support_client.post(
        CHANGELIST, {"action": "disable_webhooks", "_selected_action": [subscriber.pk]}
    )
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_the_audience_review_counts_webhooks(
    support_client, make_webhook, make_subscriber, make_incident
):
    make_webhook()
    make_subscriber("reader@example.com")
    notification = Notification.objects.get(incident=make_incident())
    page = support_client.get(
        reverse("admin:notifications_notification_change", args=[notification.pk])
    )
    assert "Send to 2 recipients" in page.text
    assert 'class="mode-webhook">1<' in page.text and 'class="mode-email">1<' in page.text
