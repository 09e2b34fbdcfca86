"""The page's settings in its mails: the sender staff chose, their footer, the page's name."""

from __future__ import annotations

from incidents.notifications.models import Notification
from incidents.notifications.services import delivery
from incidents.services.page import page_update

from .test_delivery import start


def test_notifications_come_from_the_pages_sender_with_its_footer(
    smtp, make_incident, make_subscriber, pods
):
    page_update(
        {
            "name": "Acme Status",
            "notifications_from_email": "status@acme.example",
            "notifications_email_footer": "Acme Inc. · 1 Example Road\nsupport@acme.example",
        }
    )
    reader = make_subscriber("reader@example.com")
    incident = make_incident(name="Slow logins")
    notification = Notification.objects.get(incident=incident)
    start(notification)
    delivery.send_due(notification.pk)

    [sent] = smtp.to(reader.email)
    message = sent.message
    assert message["From"] == "Acme Status <status@acme.example>"
    assert message["Subject"] == "[Acme Status] New incident: Slow logins"
    assert message["Message-ID"].endswith("@acme.example>")
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert "Acme Inc. · 1 Example Road\nsupport@acme.example" in text
    assert "Acme Inc. · 1 Example Road<br>support@acme.example" in html
