"""Who receives a notification: one function, used by the staff preview and by the send.

The rule (contracts §6): an active subscriber receives a notification when they follow its
incident, or, unless they chose to hear of followed incidents only, when they follow one of
the notification's components or follow no component at all (which means all of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from incidents.models import Component

from ..models import Notification, Subscriber, SubscriberMode, SubscriberState

SubscriberComponent = Subscriber.components.through
SubscriberIncident = Subscriber.incidents.through


def audience_for(component_ids: list[int], incident_id: int | None) -> QuerySet[Subscriber]:
    """Active subscribers that a message about these components (and incident) reaches.

    One query, without joins that could repeat a subscriber.
    """
    follows_any = Exists(SubscriberComponent.objects.filter(subscriber_id=OuterRef("pk")))
    follows_touched = Exists(
        SubscriberComponent.objects.filter(
            subscriber_id=OuterRef("pk"), component_id__in=component_ids
        )
    )
    by_components = Q(incidents_only=False) & (~follows_any | follows_touched)
    if incident_id is not None:
        follows_incident = Exists(
            SubscriberIncident.objects.filter(subscriber_id=OuterRef("pk"), incident_id=incident_id)
        )
        rule = by_components | follows_incident
    else:
        rule = by_components
    return Subscriber.objects.filter(rule, state=SubscriberState.ACTIVE)


def audience(notification: Notification) -> QuerySet[Subscriber]:
    """The recipients of `notification`: the preview counts these, the send freezes these."""
    component_ids = list(notification.components.values_list("pk", flat=True))
    return audience_for(component_ids, notification.incident_id)


@dataclass
class AudienceSummary:
    """What staff see before they confirm a send."""

    total: int
    active_subscribers: int
    all_components: int
    followers: int
    by_component: list[tuple[str, int]] = field(default_factory=list)
    by_language: list[tuple[str, str, int]] = field(default_factory=list)
    # Email subscribers and webhook URLs, as (mode, label, count); languages count emails only.
    by_mode: list[tuple[str, str, int]] = field(default_factory=list)
    touched_components: int = 0
    total_components: int = 0
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_approval(self) -> bool:
        return bool(self.reasons)


def summarize(notification: Notification) -> AudienceSummary:
    """The audience's size with a breakdown by component and language, and the guard's verdict.

    The guard asks for an incident manager's approval when the audience is larger than the
    NOTIFY_APPROVAL_THRESHOLD setting, or larger than the components justify: when at least
    NOTIFY_WIDE_SHARE of all active subscribers would receive it without having chosen any
    of its components (they follow all of them), while it concerns less than that share of
    the components, such as everyone for an incident touching one pod. Subscribers who chose
    the touched components themselves never count against it.
    """
    recipients = audience(notification)
    components = list(notification.components.select_related("group"))
    component_ids = [c.pk for c in components]
    total = recipients.count()
    active = Subscriber.objects.filter(state=SubscriberState.ACTIVE).count()
    all_components = recipients.filter(incidents_only=False, components__isnull=True).count()
    followers = (
        recipients.filter(incidents=notification.incident_id).count()
        if notification.incident_id
        else 0
    )
    per_component = dict(
        SubscriberComponent.objects.filter(
            subscriber__in=recipients, component_id__in=component_ids
        )
        .values_list("component_id")
        .annotate(n=Count("id"))
    )
    languages = dict(settings.LANGUAGES)
    per_language = (
        recipients.filter(mode=SubscriberMode.EMAIL)
        .values_list("language")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    per_mode = dict(recipients.values_list("mode").annotate(n=Count("id")).order_by())
    summary = AudienceSummary(
        total=total,
        active_subscribers=active,
        all_components=all_components,
        followers=followers,
        by_component=[(str(c), per_component.get(c.pk, 0)) for c in components],
        by_language=[(code, str(languages.get(code, code)), n) for code, n in per_language],
        by_mode=[
            (mode.value, str(mode.label), per_mode.get(mode.value, 0)) for mode in SubscriberMode
        ],
        touched_components=len(components),
        total_components=Component.objects.count(),
    )
    _guard(summary)
    return summary


def _guard(summary: AudienceSummary) -> None:
    if summary.total > settings.NOTIFY_APPROVAL_THRESHOLD:
        summary.reasons.append(
            _("%(total)d recipients is more than the %(limit)d that may be sent without approval.")
            % {"total": summary.total, "limit": settings.NOTIFY_APPROVAL_THRESHOLD}
        )
    share = settings.NOTIFY_WIDE_SHARE
    if (
        summary.touched_components
        and summary.total_components
        and summary.active_subscribers
        and summary.total > settings.NOTIFY_WIDE_MIN_AUDIENCE
        and summary.touched_components / summary.total_components < share
        and summary.all_components / summary.active_subscribers >= share
    ):
        summary.reasons.append(
            _(
                "It reaches %(percent)d%% of all subscribers without their choosing any of "
                "its components, but concerns only %(touched)d of %(components)d components."
            )
            % {
                "percent": round(100 * summary.all_components / summary.active_subscribers),
                "touched": summary.touched_components,
                "components": summary.total_components,
            }
        )
    if not summary.touched_components:
        summary.warnings.append(
            _("It names no component, so it goes to every subscriber who follows all of them.")
        )
