"""How far a send has got, as JSON for the admin pages that show it live (the incident's
console, the review page): `static/incidents/admin/progress.js` polls it.

Staff only: the admin's own login check wraps the view, and it needs the permission to see
notifications.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from .models import Notification, NotificationState
from .services.notifications import delivery_report

# Nothing more happens to a send in these states.
FINISHED = (NotificationState.DONE, NotificationState.STOPPED, NotificationState.CANCELLED)


def progress(notification: Notification) -> dict:
    """The send's state and its deliveries: delivered, failed, remaining (queued or in
    flight) and cancelled, out of the recipients, with a sentence saying so."""
    report = delivery_report(notification)
    finished = notification.state in FINISHED
    if notification.state in (
        NotificationState.AWAITING_CONFIRMATION,
        NotificationState.AWAITING_APPROVAL,
    ):
        summary = _("Nothing sent yet: %(state)s.") % {
            "state": notification.get_state_display().lower()
        }
    elif report.recipients == 0 and not finished:
        summary = _("Preparing the recipients…")
    else:
        summary = ngettext(
            "%(sent)d of %(n)d recipient delivered, %(failed)d failed, %(pending)d remaining.",
            "%(sent)d of %(n)d recipients delivered, %(failed)d failed, %(pending)d remaining.",
            report.recipients,
        ) % {
            "sent": report.sent,
            "n": report.recipients,
            "failed": report.failed,
            "pending": report.pending,
        }
    return {
        "id": notification.pk,
        "state": notification.state,
        "state_label": str(notification.get_state_display()),
        "recipients": report.recipients,
        "delivered": report.sent,
        "failed": report.failed,
        "remaining": report.pending,
        "cancelled": report.cancelled,
        "finished": finished,
        "summary": summary,
    }


@require_GET
def notification_progress(request, notification_id):
    if not request.user.has_perm("notifications.view_notification"):
        raise PermissionDenied
    notification = get_object_or_404(Notification, pk=notification_id)
    return JsonResponse(progress(notification), headers={"Cache-Control": "no-store"})
