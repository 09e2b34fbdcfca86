"""Email: a batch of claimed rows over one SMTP connection, each outcome recorded at once.

Over an SMTP server that takes 8-bit mail, each language's message is built once and each
recipient's copy only adds its address and links (see `emails.prepared_bytes`). Accepted mails
are recorded MARK_SENT_EVERY at a time; refusals as the server gives them.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field

from django.core.mail import mailers

from ..emails import (
    Rendered,
    envelope_sender,
    notification_message,
    personal_bytes,
    prepared_bytes,
    render_notification,
)
from ..models import Delivery, Notification, Subscriber
from ..services import claims
from . import SendResult, Transport, TransportError

logger = logging.getLogger(__name__)

# Accepted mails recorded together: fewer writes; a kill resends at most these (one batch).
MARK_SENT_EVERY = 50


def classify(error: Exception) -> TransportError:
    """What an exception raised while sending one message means: a 5xx for that address (or an
    address Django refuses to put on the wire) is permanent; 4xx and lost connections are not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        text = "; ".join(f"{code} {msg!r}" for code, msg in error.recipients.values())
        return TransportError(text, permanent=bool(codes) and all(500 <= c < 600 for c in codes))
    if isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {error.smtp_error!r}"
        return TransportError(text, permanent=500 <= error.smtp_code < 600)
    if isinstance(error, ValueError):  # an address Django refuses to put on the wire
        return TransportError(str(error), permanent=True)
    return TransportError(f"{type(error).__name__}: {error}")


@dataclass
class Renderings:
    """A notification's message in each language, rendered once for all of a send's batches;
    and, for SMTP servers that take 8-bit mail, built once as bytes (emails.prepared_bytes)."""

    notification: Notification
    rendered: dict[str, Rendered] = field(default_factory=dict)
    prepared: dict[str, bytes | None] = field(default_factory=dict)

    def message(self, language: str) -> Rendered:
        if language not in self.rendered:
            self.rendered[language] = render_notification(self.notification, language)
        return self.rendered[language]

    def shared_bytes(self, language: str) -> bytes | None:
        if language not in self.prepared:
            self.prepared[language] = prepared_bytes(self.notification, self.message(language))
        return self.prepared[language]


class EmailTransport(Transport):
    def __init__(self, notification: Notification):
        super().__init__(notification)
        self.renderings = Renderings(notification)

    def notify(self, rows: list[Delivery], result: SendResult) -> None:
        """Sends claimed email rows over one SMTP connection, recording each outcome at once."""
        sent: list[Delivery] = []
        sender = envelope_sender()
        connection = mailers.default
        try:
            connection.open()
        except Exception as error:
            message = str(classify(error))
            for delivery in rows:
                claims.retry_later(delivery, message, result)
            result.errors.append(message)
            return
        try:
            takes_8bit = _takes_8bit(connection)
            for delivery in claims.to_send(self.notification.pk, rows, result):
                try:
                    self._send(connection, sender, delivery.subscriber, takes_8bit)
                except Exception as error:
                    claims.record_error(delivery, classify(error), result)
                    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                        _reconnect(connection)
                    continue
                sent.append(delivery)
                result.sent += 1
                if len(sent) >= MARK_SENT_EVERY:
                    claims.mark_sent(sent)
        finally:
            claims.mark_sent(sent)
            try:
                connection.close()
            except Exception:
                logger.debug("closing the SMTP connection failed", exc_info=True)

    def _send(self, connection, sender: str, subscriber: Subscriber, takes_8bit: bool) -> None:
        language = subscriber.language
        shared = self.renderings.shared_bytes(language) if takes_8bit else None
        if shared is not None and subscriber.email.isascii():
            connection.connection.sendmail(
                sender,
                [subscriber.email],
                personal_bytes(shared, subscriber),
                mail_options=["BODY=8BITMIME"],
            )
        else:
            email = notification_message(
                self.notification, self.renderings.message(language), subscriber
            )
            connection.send_messages([email])


def _takes_8bit(connection) -> bool:
    """Whether the mailer is an open SMTP connection to a server that announces 8BITMIME."""
    client = getattr(connection, "connection", None)
    if not isinstance(client, smtplib.SMTP):
        return False
    if not client.does_esmtp:
        client.ehlo_or_helo_if_needed()
    return client.has_extn("8bitmime")


def _reconnect(connection) -> None:
    try:
        connection.close()
    except Exception:
        connection.connection = None
    try:
        connection.open()
    except Exception:
        logger.warning("reconnecting to the SMTP server failed", exc_info=True)
