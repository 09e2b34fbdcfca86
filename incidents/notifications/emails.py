"""Email rendering: three templates per kind (subject, text, HTML) in the recipient's language.

A notification is rendered once per language; the recipient's own links (manage, unsubscribe)
are put in afterwards, so a batch of a thousand costs a few renders, not a thousand.

Every HTML mail shares one layout (`layout.html`): tables, a <style> block written for the
page's colours and inlined into style attributes at render time (css-inline), because mail
clients drop or ignore style sheets; only the @media rules for phones stay in a <style>.
The text part is plain text: Markdown is rendered through the sanitizer, then read as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy as email_policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _

from incidents import timefmt
from incidents.localize import PageNotes, localized
from incidents.markdown import render_markdown
from incidents.models import Page, Postmortem

from . import tokens
from .mail_look import badge_colours, inline_css, theme
from .models import Notification, NotificationKind, Subscriber
from .plaintext import markdown_text

# Stand-ins for the recipient's own links in a rendering shared by one language.
MANAGE_URL = "https://manage.invalid/"
UNSUBSCRIBE_URL = "https://unsubscribe.invalid/"


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def sender() -> str:
    """Who notifications come from: the page's name at the address staff set in its settings,
    or DEFAULT_FROM_EMAIL."""
    page = Page.current()
    if page.notifications_from_email:
        return formataddr((page.name, page.notifications_from_email))
    return settings.DEFAULT_FROM_EMAIL


def mail_domain() -> str:
    """The domain of our Message-IDs: the sender's."""
    return parseaddr(sender())[1].rpartition("@")[2] or "localhost"


def language_for(code: str) -> str:
    """The subscriber's language when the site has it, else the default (English)."""
    available = {c for c, _name in settings.LANGUAGES}
    return code if code in available else settings.LANGUAGE_CODE


def one_line(text: str) -> str:
    """Collapses whitespace, CR and LF included: a header value is one line."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# Subject ----------------------------------------------------------------------------------


def folded_subject(subject: str) -> str | None:
    """The Subject value folded for the wire, or None when it goes as it is (short ASCII).

    The standard library's own folding of a header it has to encode (Python 3.13) puts a
    fold before a first word too long for the line, which readers decode as a leading
    space, and drops or doubles the space next to an encoded word it breaks. Encoded here
    as whole RFC 2047 words (spaces inside them), the value decodes to exactly the subject.
    """
    limit = 78 - len("Subject: ")
    if subject.isascii() and len(subject) <= limit:
        return None
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


def set_subject(message: EmailMessage, subject: str) -> None:
    """Sets Subject on a message of the modern email API, folded by `folded_subject`."""
    del message["Subject"]
    folded = folded_subject(subject)
    if folded is None:
        message["Subject"] = subject
    else:
        # Lines this short are written as given (the policy refolds only long ones).
        message.set_raw("Subject", folded)


class Mail(EmailMultiAlternatives):
    """Django's two-part mail, with a Subject that decodes to exactly what was rendered."""

    def message(self, *, policy=email_policy.default):
        message = super().message(policy=policy)
        set_subject(message, str(self.subject))
        return message


# Context ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentChange:
    name: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.name}: {self.old} → {self.new}"


@dataclass(frozen=True)
class Section:
    title: str
    html: str
    text: str


@dataclass(frozen=True)
class Remediation:
    html: str
    text: str
    state: str
    state_label: str
    owner: str
    due: str


def component_changes(update) -> list[ComponentChange]:
    """What this update did to components, in the page's order: "Pod 13: Partial outage →
    Major outage"."""
    changes = update.component_changes.select_related("component").order_by(
        "component__group__position", "component__position", "component__name"
    )
    return [
        ComponentChange(c.component.name, c.get_old_status_display(), c.get_new_status_display())
        for c in changes
    ]


def postmortem_context(postmortem: Postmortem, notes: PageNotes) -> dict:
    """Every section of a postmortem, as the incident page orders them."""
    sections = {}
    for field, title in (
        ("root_cause", _("Root cause analysis")),
        ("resolution", _("Resolution")),
        ("body", _("Further details")),
    ):
        text = notes.add(localized(postmortem, field))
        if text.strip():
            sections[field] = Section(title, render_markdown(text), markdown_text(text))
    items = []
    for item in postmortem.remediation_items.all():
        description = notes.add(localized(item, "description"))
        items.append(
            Remediation(
                html=render_markdown(description),
                text=markdown_text(description),
                state=item.state,
                state_label=item.get_state_display(),
                owner=item.owner,
                due=timefmt.full_day(item.due_date) if item.due_date else "",
            )
        )
    return {
        "sections_before": [sections[f] for f in ("root_cause", "resolution") if f in sections],
        "remediation": items,
        "sections_after": [sections[f] for f in ("body",) if f in sections],
    }


def layout_context(page: Page) -> dict:
    """What the layout itself needs: the page's name, colours and footer text."""
    return {
        "statuspage_name": page.name,
        "email_footer": page.notifications_email_footer,
        "site_url": site_url("/"),
        "theme": theme(page),
    }


def notification_context(notification: Notification) -> dict:
    """What every notification template receives (in the active language)."""
    incident = notification.incident
    update = notification.update
    page = Page.current()
    context = {
        **layout_context(page),
        "notification": notification,
        "kind": notification.kind,
        "incident": incident,
        "update": update,
        "source": notification.source,
        "components": [str(c) for c in notification.components.select_related("group")],
    }
    notes = PageNotes()
    if incident is not None:
        context["incident_name"] = notes.add(localized(incident, "name"))
        context["incident_url"] = site_url(incident.get_absolute_url())
        with translation.override(settings.LANGUAGE_CODE):
            context["english_url"] = site_url(incident.get_absolute_url())
        if incident.resolved_at:
            context["window"] = timefmt.window(incident.started_at, incident.resolved_at)
        if getattr(incident, "scheduled_for", None) and getattr(incident, "scheduled_until", None):
            context["scheduled_window"] = timefmt.window(
                incident.scheduled_for, incident.scheduled_until
            )
        status = update.status if update is not None else incident.status
        context["status"] = status
        context["status_label"] = (update or incident).get_status_display()
        context["badge"] = badge_colours(status, incident.impact, context["theme"])
        if not incident.is_maintenance:
            context["impact_label"] = incident.get_impact_display()
    if update is not None:
        context["stamp"] = timefmt.dated_stamp(update.display_at)
        context["changes"] = component_changes(update)
        body = notes.add(localized(update, "body"))
        context["body_text"] = markdown_text(body)
        context["body_html"] = render_markdown(body)
    source = notification.source
    if isinstance(source, Postmortem):
        context.update(postmortem_context(source, notes))
    context["machine_translated"] = notes.machine
    return context


def render_notification(notification: Notification, language: str) -> Rendered:
    """The notification in `language`, with stand-ins for the recipient's links."""
    with translation.override(language_for(language)):
        context = {
            **notification_context(notification),
            "manage_url": MANAGE_URL,
            "unsubscribe_url": UNSUBSCRIBE_URL,
        }
        return render_mail(f"notifications/email/{notification.kind}", context)


def render_mail(base: str, context: dict) -> Rendered:
    """`base`.subject.txt, .txt and .html in the active language, the HTML's CSS inlined."""
    return Rendered(
        subject=one_line(render_to_string(f"{base}.subject.txt", context)),
        text=render_to_string(f"{base}.txt", context),
        html=inline_css(render_to_string(f"{base}.html", context)),
    )


# Links and headers ------------------------------------------------------------------------


def subscriber_links(subscriber: Subscriber) -> tuple[str, str]:
    """The subscriber's signed manage and one-click unsubscribe URLs."""
    return (
        site_url(_token_path("notifications:manage", tokens.make_token(subscriber, tokens.MANAGE))),
        site_url(
            _token_path(
                "notifications:unsubscribe", tokens.make_token(subscriber, tokens.UNSUBSCRIBE)
            )
        ),
    )


def _token_path(name: str, token: str) -> str:
    """`reverse(name, args=[token])`, from the URL reversed once per process (one is made for
    every recipient of a notification): the token quoted as reverse quotes it."""
    before, after = _around_token(name, get_script_prefix(), get_urlconf())
    return before + quote(token, safe=RFC3986_SUBDELIMS + "/~:@") + after


@cache
def _around_token(name: str, _prefix: str, urlconf: str | None) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_TOKEN], urlconf=urlconf).partition(_TOKEN)
    return before, after


_TOKEN = "token-stands-here"


def thread_headers(notification: Notification) -> dict[str, str]:
    """Message-ID, In-Reply-To and References, so that one incident is one thread.

    The thread's root id is derived from the incident; the first message of a thread (a new
    incident, a scheduled maintenance) carries it as its Message-ID, every later one refers
    to it. A Message-ID is the same for every recipient of a notification, as a mailing
    list's copies are, so a retried delivery is recognised as the same message.
    """
    domain = mail_domain()
    root = f"<{notification.thread_key}@{domain}>"
    if notification.kind in (
        NotificationKind.INCIDENT_CREATED,
        NotificationKind.MAINTENANCE_SCHEDULED,
    ):
        return {"Message-ID": root}
    return {
        "Message-ID": f"<{notification.thread_key}.{notification.pk}@{domain}>",
        "In-Reply-To": root,
        "References": root,
    }


def personal(rendered: Rendered, manage: str, unsubscribe: str) -> Rendered:
    """A rendering with the recipient's own links in place of the stand-ins."""

    def fill(part: str) -> str:
        return part.replace(MANAGE_URL, manage).replace(UNSUBSCRIBE_URL, unsubscribe)

    return Rendered(rendered.subject, fill(rendered.text), fill(rendered.html))


def notification_message(
    notification: Notification, rendered: Rendered, subscriber: Subscriber
) -> EmailMultiAlternatives:
    """The email for one recipient: text and HTML, unsubscribe headers (RFC 8058), thread."""
    manage, unsubscribe = subscriber_links(subscriber)
    own = personal(rendered, manage, unsubscribe)
    headers = {
        **thread_headers(notification),
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    message = Mail(
        subject=own.subject, body=own.text, from_email=sender(), to=[subscriber.email],
        headers=headers,
    )  # fmt: skip
    message.attach_alternative(own.html, "text/html")
    return message


def confirmation_message(subscriber: Subscriber) -> EmailMultiAlternatives:
    """The double opt-in mail: one signed link, nothing else sent before it is followed."""
    with translation.override(language_for(subscriber.language)):
        confirm_url = site_url(
            reverse("notifications:confirm", args=[tokens.make_token(subscriber, tokens.CONFIRM)])
        )
        context = {
            **layout_context(Page.current()),
            "confirm_url": confirm_url,
            "max_age_hours": settings.SUBSCRIBE_CONFIRM_MAX_AGE // 3600,
        }
        rendered = render_mail("notifications/email/confirm", context)
    message = Mail(
        subject=rendered.subject, body=rendered.text, from_email=sender(), to=[subscriber.email],
        headers={"Message-ID": make_msgid(domain=mail_domain()),
                 "Auto-Submitted": "auto-generated"},
    )  # fmt: skip
    message.attach_alternative(rendered.html, "text/html")
    return message


def welcome_message(subscriber: Subscriber) -> EmailMultiAlternatives:
    """The mail after a confirmed sign-up: what the subscriber will hear of, and where to
    change it or leave."""
    manage, unsubscribe = subscriber_links(subscriber)
    with translation.override(language_for(subscriber.language)):
        context = {
            **layout_context(Page.current()),
            "components": [str(c) for c in subscriber.components.select_related("group")],
            "incidents": [localized(incident, "name") for incident in subscriber.incidents.all()],
            "incidents_only": subscriber.incidents_only,
            "manage_url": manage,
            "unsubscribe_url": unsubscribe,
        }
        rendered = render_mail("notifications/email/welcome", context)
    message = Mail(
        subject=rendered.subject, body=rendered.text, from_email=sender(), to=[subscriber.email],
        headers={
            "Message-ID": make_msgid(domain=mail_domain()),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )  # fmt: skip
    message.attach_alternative(rendered.html, "text/html")
    return message


# Sending many copies of one notification: the message is built once per language as bytes
# (8-bit text and HTML parts, so the stand-in links stay intact), and a recipient's copy only
# adds its address and its own links. Building a MIME message is most of the cost of a mail;
# this keeps it out of the per-recipient loop. Used over SMTP servers that take 8-bit mail
# (8BITMIME); anything else goes through `notification_message`.
_MANAGE = MANAGE_URL.encode()
_UNSUBSCRIBE = UNSUBSCRIBE_URL.encode()
MAX_LINE = 998  # RFC 5322


def envelope_sender() -> str:
    return parseaddr(sender())[1]


def prepared_bytes(notification: Notification, rendered: Rendered) -> bytes | None:
    """The message without `To` and `List-Unsubscribe`, or None when it cannot be shared
    (a line too long for 8-bit transport, or a stand-in link the encoding changed)."""
    message = EmailMessage(policy=email_policy.SMTP)
    set_subject(message, rendered.subject)
    message["From"] = sender()
    message["Date"] = formatdate(localtime=False)
    for name, value in thread_headers(notification).items():
        message[name] = value
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="8bit")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="8bit")
    data = message.as_bytes()
    expected = (rendered.text + rendered.html).count(MANAGE_URL)
    if data.count(_MANAGE) != expected or any(len(line) > MAX_LINE for line in data.splitlines()):
        return None
    return data


def personal_bytes(prepared: bytes, subscriber: Subscriber) -> bytes:
    """One recipient's copy of a prepared message: its address and its signed links."""
    manage, unsubscribe = subscriber_links(subscriber)
    head = f"To: {subscriber.email}\r\nList-Unsubscribe: <{unsubscribe}>\r\n".encode("ascii")
    return head + prepared.replace(_MANAGE, manage.encode()).replace(
        _UNSUBSCRIBE, unsubscribe.encode()
    )
