"""What a reader sees of a notification mail: the page's branded layout with its styles inlined,
the status, impact and component changes, a plain text part without Markdown, every section
of a postmortem, a Subject that decodes as it was written, and the welcome mail after
confirming, sent once."""

from __future__ import annotations

import re
from datetime import date
from email import message_from_bytes
from email.policy import SMTP
from email.policy import default as default_policy
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
import time_machine
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from incidents import services as incident_services
from incidents.models import ComponentStatus
from incidents.notifications import tokens
from incidents.notifications.emails import (
    Mail,
    folded_subject,
    notification_message,
    personal_bytes,
    prepared_bytes,
    render_notification,
)
from incidents.notifications.models import Notification, NotificationKind, Subscriber
from incidents.notifications.services import delivery, notification_record
from incidents.notifications.services.confirmations import welcome_send
from incidents.services.page import page_update
from tests.conftest import utc

from .conftest import SITE
from .test_delivery import start
from .test_subscribe import ask, confirmation_link

BODY = (
    "We rolled back **the config change** on [Pod 13](https://example.com/pods/13).\n\n"
    "## Next steps\n\n"
    "- watch the `login` queue\n"
    "- tell *support*\n\n"
    "> Customers may need to log in again.\n\n"
    "Questions: <ops@example.com>"
)


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find(self, css_class: str) -> list[Node]:
        found = [self] if css_class in self.classes else []
        for child in self.children:
            found += child.find(css_class)
        return found

    def all(self, tag: str) -> list[Node]:
        found = [self] if self.tag == tag else []
        for child in self.children:
            found += child.all(tag)
        return found


class _Tree(HTMLParser):
    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(node)
        if tag not in self.VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                break

    def handle_data(self, data):
        for node in self.open:
            node.parts.append(data)


def tree(html: str) -> Node:
    parser = _Tree()
    parser.feed(html)
    return parser.root


def style(node: Node) -> dict[str, str]:
    declarations = (d.partition(":") for d in node.attrs.get("style", "").split(";"))
    return {name.strip(): value.strip() for name, _, value in declarations if name.strip()}


@pytest.fixture
def acme(db):
    return page_update(
        {
            "name": "Acme Status",
            "css_link_color": "#7a1fa2",
            "notifications_email_footer": "Acme Inc. · 1 Example Road",
        }
    )


@pytest.fixture
def outage(make_incident, pods):
    """A new incident, then an update that makes Pod 13 worse, with a Markdown body."""
    incident = make_incident(
        name="Slow logins", display_at=utc(2024, 3, 20, 20, 59), started_at=utc(2024, 3, 20, 19)
    )
    update = incident_services.update_post(
        incident,
        status="identified",
        body=BODY,
        display_at=utc(2024, 3, 20, 21, 28),
        components={pods["Pod 13"]: ComponentStatus.MAJOR_OUTAGE},
    )
    return Notification.objects.get(update=update)


def sent_to(smtp, notification, *subscribers):
    """Sends the notification over the SMTP server; the mail each subscriber received."""
    start(notification)
    delivery.send_due(notification.pk)
    return [smtp.to(s.email)[0] for s in subscribers]


def test_an_update_mail_is_in_the_pages_colours_with_inlined_styles(
    smtp, acme, outage, make_subscriber
):
    reader = make_subscriber("reader@example.com")
    (mail,) = sent_to(smtp, outage, reader)
    document = tree(mail.html)

    (header,) = document.find("header")
    assert header.text == "Acme Status"
    assert style(header)["background-color"] == "#7a1fa2"
    assert style(header.find("brand")[0])["color"] == "#ffffff"  # white reads on the purple
    (container,) = document.find("container")
    assert style(container)["max-width"] == "600px" and style(container)["width"] == "100%"
    # The status reads as text, not only as a colour.
    (badge,) = document.find("badge")
    assert "Identified" in badge.text and "background-color" in style(badge)
    assert document.find("impact")[0].text == "Impact: Critical"  # Pod 13 is down
    assert "March 20 - 21:28 UTC | 14:28 PT" in document.find("stamp")[0].text
    assert [c.text for c in document.find("change")] == ["Pod 13: Partial outage → Major outage"]
    # The button goes to the incident, in the page's colour, big enough to tap.
    (button,) = document.find("button")
    assert button.attrs["href"] == SITE + outage.incident.get_absolute_url()
    assert style(button)["background-color"] == "#7a1fa2"
    assert style(button)["padding"] == "12px 24px" and style(button)["line-height"] == "24px"
    assert "Acme Inc. · 1 Example Road" in document.find("footer")[0].text

    # Nothing essential depends on the <style> block: only the phone rules are left in it.
    (sheet,) = document.all("style")
    rules = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", sheet.text).strip()
    assert sheet.text.startswith("@media") and rules == ""
    for css_class in ("wrapper", "content", "title", "badge", "button", "footer"):
        assert all(style(node) for node in document.find(css_class)), css_class


def test_without_page_colours_the_mail_takes_the_stylesheets(db, outage):
    document = tree(render_notification(outage, "en").html)
    assert style(document.find("header")[0])["background-color"] == "#1f57c3"
    assert style(document.find("brand")[0])["color"] == "#ffffff"
    assert style(document.find("button")[0])["background-color"] == "#1f57c3"


def test_every_kind_of_mail_has_the_layout(db, settings, make_incident, pods, manager_user):
    settings.SITE_URL = SITE
    badges = {}

    def read(notification):
        """The status its badge shows, once the layout is checked."""
        document = tree(render_notification(notification, "en").html)
        assert document.find("container") and document.find("footer"), notification.kind
        (button,) = document.find("button")
        assert button.attrs["href"] == SITE + notification.incident.get_absolute_url()
        badges[notification.kind] = document.find("badge")[0].text.split(" ", 1)[1]

    incident = make_incident()
    incident_services.update_post(incident, status="monitoring", body="Watching.")
    incident_services.update_post(incident, status="resolved", body="Fixed.")
    postmortem = incident_services.postmortem_save_draft(incident, root_cause="A bug.")
    incident_services.postmortem_publish(postmortem, actor=manager_user)
    maintenance = incident_services.maintenance_schedule(
        name="Database upgrade", body="Upgrading.", scheduled_for=utc(2030, 4, 6, 15),
        scheduled_until=utc(2030, 4, 6, 17), components=[pods["Pod 17"]],
    )  # fmt: skip
    # The reminder goes out before the start, while the maintenance is scheduled.
    read(notification_record(kind=NotificationKind.MAINTENANCE_REMINDER, incident=maintenance))
    with time_machine.travel(utc(2030, 4, 6, 15, 1)):
        incident_services.maintenance_start(maintenance)
        incident_services.maintenance_complete(maintenance)
    for notification in Notification.objects.exclude(kind=NotificationKind.MAINTENANCE_REMINDER):
        read(notification)
    assert badges == {
        NotificationKind.INCIDENT_CREATED: "Investigating",
        NotificationKind.INCIDENT_UPDATED: "Monitoring",
        NotificationKind.INCIDENT_RESOLVED: "Resolved",
        NotificationKind.POSTMORTEM_PUBLISHED: "Resolved",
        NotificationKind.MAINTENANCE_SCHEDULED: "Scheduled",
        NotificationKind.MAINTENANCE_REMINDER: "Scheduled",
        NotificationKind.MAINTENANCE_STARTED: "In progress",
        NotificationKind.MAINTENANCE_COMPLETED: "Completed",
    }


def owner(url: str, purpose: str) -> Subscriber:
    """Whom a signed manage or unsubscribe link in a mail is for (BadToken: nobody)."""
    assert url.startswith(f"{SITE}/subscribe/"), url
    return tokens.read_token(unquote(url.rstrip("/").rpartition("/")[2]), purpose)


def test_manage_and_unsubscribe_links_are_each_recipients_own(smtp, outage, make_subscriber):
    one, two = make_subscriber("one@example.com"), make_subscriber("two@example.com")
    mails = sent_to(smtp, outage, one, two)
    # The 8-bit copies built once per language, and a message built on its own (the path for
    # servers without 8BITMIME), carry the same links.
    rendered = render_notification(outage, "en")
    assert prepared_bytes(outage, rendered) is not None  # inlined, it still fits 8-bit lines
    own = message_from_bytes(
        notification_message(outage, rendered, two).message().as_bytes(), policy=default_policy
    )
    messages = [mails[0].message, mails[1].message, own]
    for subscriber, message in zip((one, two, two), messages, strict=True):
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        manage, unsubscribe = [a.attrs["href"] for a in tree(html).find("footer")[0].all("a")]
        assert owner(manage, tokens.MANAGE) == subscriber
        assert owner(unsubscribe, tokens.UNSUBSCRIBE) == subscriber
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert manage in text and unsubscribe in text
        assert ".invalid" not in html + text


def test_the_text_part_is_plain_text_without_markdown(smtp, outage, make_subscriber):
    (mail,) = sent_to(smtp, outage, make_subscriber("reader@example.com"))
    text = mail.text.replace("\r\n", "\n")
    assert "We rolled back the config change on Pod 13 (https://example.com/pods/13)." in text
    assert "Next steps\n\n- watch the login queue\n- tell support" in text
    assert "Customers may need to log in again." in text
    assert "Questions: ops@example.com" in text
    assert "Pod 13: Partial outage → Major outage" in text
    assert "March 20 - 21:28 UTC | 14:28 PT" in text
    assert f"{SITE}{outage.incident.get_absolute_url()}" in text
    for syntax in ("**", "](", "`", "<", "\n#", "\n>", "*support*"):
        assert syntax not in text, syntax
    # The HTML part has the Markdown rendered.
    assert "<strong>the config change</strong>" in mail.html


def test_the_postmortem_mail_carries_every_section(
    smtp, make_incident, make_subscriber, manager_user
):
    reader = make_subscriber("reader@example.com")
    incident = make_incident(name="Slow logins")
    incident_services.update_post(incident, status="resolved", body="Fixed.")
    postmortem = incident_services.postmortem_save_draft(
        incident,
        root_cause="A **missing** index.",
        resolution="We added the index back.",
        body="See [the timeline](https://example.com/timeline).",
    )
    incident_services.remediation_item_add(
        postmortem, description="Check indexes in CI", state="done", owner="SRE",
        due_date=date(2024, 4, 1),
    )  # fmt: skip
    incident_services.remediation_item_add(postmortem, description="Alert on slow queries")
    incident_services.postmortem_publish(postmortem, actor=manager_user)
    notification = Notification.objects.get(kind=NotificationKind.POSTMORTEM_PUBLISHED)
    (mail,) = sent_to(smtp, notification, reader)

    text = mail.text.replace("\r\n", "\n")
    for expected in (
        "Root cause analysis\nA missing index.",
        "Resolution\nWe added the index back.",
        "Remediation items\n1. Check indexes in CI\n   ✓ Done · Owner: SRE · Due April 1, 2024\n"
        "2. Alert on slow queries\n   ○ Planned",
        "Further details\nSee the timeline (https://example.com/timeline).",
    ):
        assert expected in text
    document = tree(mail.html)
    assert [h.text for h in document.find("section")] == [
        "Root cause analysis", "Resolution", "Remediation items", "Further details",
    ]  # fmt: skip
    items = document.find("item")
    assert [i.find("item-meta")[0].text for i in items] == [
        "✓ Done · Owner: SRE · Due April 1, 2024",
        "○ Planned",
    ]
    assert "<strong>missing</strong>" in mail.html
    assert 'href="https://example.com/timeline"' in mail.html


# Each but the first was misread by readers before the Subject was folded by us: a leading
# space (a first word just too long for the line), a space lost or doubled next to an
# encoded word.
SUBJECT_CASES = {
    "short ascii": ("Example Status", "Slow logins", "en", "New incident"),
    "long first word": ("Status" + "x" * 64, "Slow logins", "en", "New incident"),
    "japanese": ("Example Status", "x" * 120, "ja", "新しいインシデント"),
    "cyrillic page": ("Статус сервиса", "Accès lents", "it", "Nuovo incidente"),
}


@pytest.mark.parametrize(
    "name,incident_name,language,label", SUBJECT_CASES.values(), ids=SUBJECT_CASES
)
def test_the_subject_decodes_as_written_without_a_leading_space(
    db, make_incident, make_subscriber, name, incident_name, language, label
):
    page_update({"name": name})
    reader = make_subscriber("reader@example.com", language=language)
    notification = Notification.objects.get(incident=make_incident(name=incident_name))
    rendered = render_notification(notification, language)
    expected = f"[{name}] {label}: {incident_name}"
    assert rendered.subject == expected
    shared = personal_bytes(prepared_bytes(notification, rendered), reader)
    own = notification_message(notification, rendered, reader).message().as_bytes()
    for raw in (shared, own):
        message = message_from_bytes(raw, policy=default_policy)
        assert message["Subject"] == expected
        assert all(len(line) <= 78 for line in subject_lines(raw)), raw


def subject_lines(raw: bytes) -> list[bytes]:
    """The Subject header's lines as sent (folded)."""
    lines = raw.replace(b"\r\n", b"\n").split(b"\n\n")[0].split(b"\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = next((n for n in range(start + 1, len(lines)) if not lines[n][:1].isspace()), len(lines))
    return lines[start:end]


@hypothesis_settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=200))
def test_any_one_line_subject_decodes_to_itself(subject):
    subject = " ".join(subject.split())
    message = Mail(subject=subject, body="x", from_email="a@example.com", to=["b@example.com"])
    raw = message.message(policy=SMTP).as_bytes()
    assert message_from_bytes(raw, policy=default_policy)["Subject"] == subject
    assert all(len(line) <= 78 for line in subject_lines(raw))
    assert (folded_subject(subject) is None) == (subject.isascii() and len(subject) <= 69)


@pytest.fixture
def confirm(client, eager, django_capture_on_commit_callbacks):
    """POSTs a confirmation link; what the commit queues (the welcome mail) runs at once."""

    def post(link):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(link)

    return post


def test_confirming_sends_one_welcome_mail_in_the_subscribers_language(
    client, smtp, eager, confirm, pods, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "ana@example.com", language="it", components=[pods["Pod 13"].pk])
    (confirmation,) = smtp.to("ana@example.com")
    link = re.search(rf"{SITE}(/it/subscribe/confirm/[^/\s]+/)", confirmation.text).group(1)
    (button,) = tree(confirmation.html).find("button")
    assert button.attrs["href"] == SITE + link

    assert confirm(link).status_code == 200
    assert confirm(link).status_code == 400  # the second POST of the link: refused, no mail
    _confirmation, welcome = smtp.to("ana@example.com")
    assert welcome.message["Subject"] == "[Example Status] Iscrizione completata"
    assert '<html lang="it">' in welcome.html
    subscriber = Subscriber.objects.get()
    manage = tree(welcome.html).find("button")[0].attrs["href"]
    unsubscribe = welcome.message["List-Unsubscribe"][1:-1]
    assert owner(manage, tokens.MANAGE) == subscriber
    assert owner(unsubscribe, tokens.UNSUBSCRIBE) == subscriber
    assert manage in welcome.text and unsubscribe in welcome.text
    assert "Pods / Pod 13" in welcome.text and "Pods / Pod 13" in welcome.html
    assert client.get(manage.removeprefix(SITE)).status_code == 200


def test_the_welcome_mail_says_everything_when_no_component_was_chosen(
    client, smtp, confirm, django_capture_on_commit_callbacks, eager, db
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "all@example.com")
    confirm(confirmation_link(smtp.to("all@example.com")[0]))
    _confirmation, welcome = smtp.to("all@example.com")
    assert welcome.message["Subject"] == "[Example Status] You are subscribed"
    expected = "You will receive an email about every incident and maintenance on this page."
    assert expected in welcome.text and expected in welcome.html


def test_a_welcome_task_run_twice_or_late_sends_at_most_one_mail(smtp, make_subscriber):
    reader = make_subscriber("reader@example.com")
    Subscriber.objects.filter(pk=reader.pk).update(confirmed_at=utc(2024, 3, 20, 12))
    confirmed_at = utc(2024, 3, 20, 12).isoformat()
    assert welcome_send(reader.pk, confirmed_at) is True
    assert welcome_send(reader.pk, confirmed_at) is False  # a redelivered task
    assert welcome_send(reader.pk, utc(2024, 3, 19).isoformat()) is False  # an older sign-up
    assert len(smtp.to("reader@example.com")) == 1


def test_a_welcome_mail_the_server_did_not_take_is_sent_by_the_retry(
    smtp, make_subscriber, monkeypatch
):
    reader = make_subscriber("retry@example.com")
    Subscriber.objects.filter(pk=reader.pk).update(confirmed_at=utc(2024, 3, 20, 12))
    confirmed_at = utc(2024, 3, 20, 12).isoformat()
    with monkeypatch.context() as patched:
        patched.setattr(
            "incidents.notifications.services.confirmations.welcome_message",
            lambda subscriber: (_ for _ in ()).throw(ConnectionRefusedError("down")),
        )
        with pytest.raises(OSError):
            welcome_send(reader.pk, confirmed_at)
    assert smtp.to("retry@example.com") == []
    assert welcome_send(reader.pk, confirmed_at) is True  # the task's retry
    assert len(smtp.to("retry@example.com")) == 1
