"""Heartbeats: an integration with `heartbeat_minutes` expects a payload at least that often
(Alertmanager's always-firing Watchdog alert sends one at every repeat). When one is late,
staff get one email per silence (a payload read ends the silence) and the admin's banner
says so while it lasts. Never on the public page.

The email is staff mail: plain text, in English.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from incidents import staff_mail, timefmt
from incidents.events import Event, emit
from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

from ..models import Integration
from ..selectors import is_silent, quiet_since


def staff_recipients() -> list[str]:
    """Every active member of a staff role with an address."""
    users = get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name__in=[SUPPORT_STAFF, INCIDENT_MANAGERS]
    )
    addresses = users.exclude(email="").order_by("email").values_list("email", flat=True)
    return list(dict.fromkeys(addresses))


def _message(integration: Integration, recipients: list[str]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        since = timefmt.dated_stamp(quiet_since(integration))
    admin_url = settings.SITE_URL + integration.get_absolute_url()
    lines = [
        f"The monitoring integration “{integration.name}” ({integration.get_kind_display()})"
        f" has sent nothing since {since}.",
        f"It is expected to send something at least every {integration.heartbeat_minutes} "
        "minutes (Alertmanager's Watchdog alert counts).",
        "",
        "While it is silent, alerts from it do not reach the status page: components are "
        "not updated and no draft incident is opened from it.",
        "",
        f"The integration: {admin_url}",
        "",
        "You receive this once per silence because you are on the status page's staff.",
    ]
    return staff_mail.staff_message(f"Monitoring silent: {integration.name}", lines, recipients)


def _warn(integration_id: int, now: datetime) -> Integration | None:
    """Warns of one integration's silence unless it spoke or was warned meanwhile: claimed
    under its lock, which a payload also takes, so the warning goes out once. A failed send
    raises and releases the claim: the next run tries again."""
    with transaction.atomic():
        integration = Integration.objects.select_for_update().filter(pk=integration_id).first()
        if integration is None or integration.silence_warned_at is not None:
            return None
        if not is_silent(integration, now):
            return None
        claimed = Integration.objects.filter(pk=integration.pk, silence_warned_at__isnull=True)
        if not claimed.update(silence_warned_at=now):
            return None
        recipients = staff_recipients()
        emit(
            Event(
                "integration.silent", integration, actor="scheduler", public=False,
                automatic=True,
                after={"quiet_since": quiet_since(integration).isoformat(),
                       "heartbeat_minutes": integration.heartbeat_minutes,
                       "recipients": recipients},
            )
        )  # fmt: skip
        if recipients:
            staff_mail.send(_message(integration, recipients))
        return integration


def heartbeats_check(now: datetime | None = None) -> list[Integration]:
    """Warns staff of each integration whose heartbeat is late and not warned of yet (the
    beat task, every minute). Answers the integrations warned of."""
    now = now or timezone.now()
    due = Integration.objects.filter(
        heartbeat_minutes__isnull=False, silence_warned_at__isnull=True
    ).values_list("pk", flat=True)
    return staff_mail.each(due, lambda pk: _warn(pk, now), "heartbeat warning of integration")
