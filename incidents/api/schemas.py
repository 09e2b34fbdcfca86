"""Request and response shapes, as Statuspage names them; they also make /api/openapi.json."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool

from ..languages import translated_codes
from ..models import ComponentStatus, Impact, IncidentStatus, MaintenanceStatus
from ..models.postmortems import RemediationState

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
ComponentStatusValue = Literal[tuple(ComponentStatus.values)]  # type: ignore[valid-type]
# Incidents and scheduled maintenance share Statuspage's incident object and its status set.
IncidentStatusValue = Literal[tuple(IncidentStatus.values + MaintenanceStatus.values)]  # type: ignore[valid-type]
ImpactValue = Literal[tuple(Impact.values)]  # type: ignore[valid-type]
PublicImpactValue = Literal[(*Impact.values, "maintenance")]  # type: ignore[valid-type]
# An incident whose postmortem is published answers "postmortem", as in Statuspage.
PublicIncidentStatusValue = Literal[
    (*IncidentStatus.values, *MaintenanceStatus.values, "postmortem")
]  # type: ignore[valid-type]


class Error(Schema):
    error: str


# Statuspage's error answers: 400 unparseable body, 401 no or bad key, 403 the key's user may
# not, 404 unknown id or page, 420 rate limited, 422 invalid body.
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 420: Error, 422: Error}


class Page(Schema):
    id: str
    name: str
    url: str
    time_zone: str
    updated_at: Timestamp | None


class Status(Schema):
    indicator: Literal["none", "maintenance", "minor", "major", "critical"]
    description: str


class RelatedEvent(Schema):
    id: str


class Uptime(Schema):
    """A component's or a group's uptime over a range (Statuspage's ComponentUptime)."""

    id: str
    name: str
    range_start: Timestamp
    range_end: Timestamp
    uptime_percentage: float | None
    major_outage: int
    partial_outage: int
    warnings: str | None
    related_events: list[RelatedEvent]


class Component(Schema):
    id: str
    name: str
    status: ComponentStatusValue
    created_at: Timestamp
    updated_at: Timestamp
    position: int
    description: str | None
    showcase: bool
    start_date: str | None
    group_id: str | None
    page_id: str
    group: bool
    only_show_if_degraded: bool
    components: list[str] | None = Field(
        default=None, description="For a group: the ids of its components."
    )


# Languages incidents can be translated into (all of LANGUAGES but English, the source).
TranslationLanguage = Literal[tuple(translated_codes())]


class TranslatedText(Schema):
    text: str = Field(description="The translation (Markdown where the English field is).")
    machine: bool = Field(description="Made by machine translation.")
    reviewed: bool = Field(description="Written or checked by a person.")
    stale: bool = Field(description="The English text changed since it was translated.")


class IncidentTranslation(Schema):
    name: TranslatedText | None = None
    summary: TranslatedText | None = None


class IncidentUpdateTranslation(Schema):
    body: TranslatedText | None = None


TRANSLATIONS_DESCRIPTION = (
    "Only with `?lang=`: the translations into that language, by language code; a field "
    "without a translation is absent. The English fields above are unchanged and authoritative."
)


class AffectedComponent(Schema):
    code: str
    name: str
    old_status: ComponentStatusValue
    new_status: ComponentStatusValue


class IncidentUpdate(Schema):
    id: str
    status: IncidentStatusValue
    body: str
    incident_id: str
    created_at: Timestamp
    updated_at: Timestamp
    display_at: Timestamp
    affected_components: list[AffectedComponent] | None
    deliver_notifications: bool
    custom_tweet: str | None
    tweet_id: str | None
    translations: dict[TranslationLanguage, IncidentUpdateTranslation] | None = Field(
        default=None, description=TRANSLATIONS_DESCRIPTION
    )


class Incident(Schema):
    id: str
    name: str
    status: PublicIncidentStatusValue
    created_at: Timestamp
    updated_at: Timestamp
    monitoring_at: Timestamp | None
    resolved_at: Timestamp | None
    impact: PublicImpactValue
    shortlink: str
    started_at: Timestamp
    page_id: str
    incident_updates: list[IncidentUpdate]
    components: list[Component]
    scheduled_for: Timestamp | None = Field(default=None, description="Maintenance only.")
    scheduled_until: Timestamp | None = Field(default=None, description="Maintenance only.")
    translations: dict[TranslationLanguage, IncidentTranslation] | None = Field(
        default=None, description=TRANSLATIONS_DESCRIPTION
    )


class ManagedIncident(Incident):
    impact_override: ImpactValue | None
    metadata: dict
    auto_tweet_at_beginning: bool
    auto_tweet_on_completion: bool
    auto_tweet_on_creation: bool
    auto_tweet_one_hour_before: bool
    postmortem_body: str | None
    postmortem_body_last_updated_at: Timestamp | None
    postmortem_ignored: bool
    postmortem_notified_subscribers: bool
    postmortem_notified_twitter: bool
    postmortem_published_at: Timestamp | None
    scheduled_for: Timestamp | None
    scheduled_until: Timestamp | None
    scheduled_remind_prior: bool
    scheduled_reminded_at: Timestamp | None
    scheduled_auto_in_progress: bool
    scheduled_auto_completed: bool
    auto_transition_deliver_notifications_at_end: bool
    auto_transition_deliver_notifications_at_start: bool
    auto_transition_to_maintenance_state: bool
    auto_transition_to_operational_state: bool
    reminder_intervals: str | None = Field(
        description=(
            "The promise each update makes by default: one interval in hours as a JSON array, "
            'e.g. "[2]"; null when none (and for scheduled maintenance).'
        )
    )


class PageStatus(Schema):
    page: Page
    status: Status


class PageComponents(Schema):
    page: Page
    components: list[Component]


class PageIncidents(Schema):
    page: Page
    incidents: list[Incident]


class PageMaintenances(Schema):
    page: Page
    scheduled_maintenances: list[Incident]


class RemediationItem(Schema):
    description: str
    state: Literal[tuple(RemediationState.values)]  # type: ignore[valid-type]
    owner: str | None
    due_date: str | None


class Postmortem(Schema):
    preview_key: str | None
    body: str | None
    body_updated_at: Timestamp | None
    body_draft: str | None
    body_draft_updated_at: Timestamp | None
    published_at: Timestamp | None
    notify_subscribers: bool
    notify_twitter: bool
    custom_tweet: str | None
    created_at: Timestamp
    updated_at: Timestamp
    root_cause: str = Field(description="Addition: the root cause analysis section.")
    resolution: str = Field(description="Addition: the resolution section.")
    remediation_items: list[RemediationItem] = Field(description="Addition: ordered items.")


class Template(Schema):
    id: str
    components: list[Component]
    name: str
    title: str
    body: str
    group_id: str | None
    update_status: IncidentStatusValue
    should_tweet: bool
    should_send_notifications: bool


class Subscriber(Schema):
    id: str
    skip_confirmation_notification: bool
    mode: Literal["email", "webhook"]
    email: str | None
    endpoint: str | None
    phone_number: str | None
    phone_country: str | None
    display_phone_number: str | None
    obfuscated_channel_name: str | None
    workspace_name: str | None
    quarantined_at: Timestamp | None
    purge_at: Timestamp | None
    components: list[str]
    page_access_user_id: str | None
    created_at: Timestamp
    state: str = Field(description="Addition: pending, active, unsubscribed, bounced, disabled.")
    language: str = Field(description="Addition: the language of the mails.")
    webhook_secret: str | None = Field(
        default=None, description="Addition: a new webhook subscriber's signing secret, once."
    )


class Summary(Schema):
    page: Page
    components: list[Component]
    incidents: list[Incident]
    scheduled_maintenances: list[Incident]
    status: Status


class ComponentGroup(Schema):
    id: str
    page_id: str
    name: str
    description: str | None
    components: list[str]
    position: int
    created_at: Timestamp
    updated_at: Timestamp


# Lists: Statuspage's `page` (from 1) and `per_page`, or `limit` (the same, as its incident
# lists name it), at most 100 a page. A page past the last is an empty list.
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


class Paging(Schema):
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="The page, from 1.")
    per_page: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE, description="As per_page.")

    @property
    def size(self) -> int:
        return self.limit or self.per_page

    @property
    def start(self) -> int:
        return (self.page - 1) * self.size

    def of(self, items):
        """This page of a queryset or a list."""
        return items[self.start : self.start + self.size]


# Requests. Unknown fields are refused (422), as are wrong types: a flag is a JSON boolean
# (pydantic would otherwise read "no" as false).


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ComponentFields(Strict):
    name: str | None = Field(default=None, max_length=255)
    description: str | None = None
    status: ComponentStatusValue | None = None
    only_show_if_degraded: StrictBool | None = None
    group_id: str | None = None
    showcase: StrictBool | None = None
    start_date: str | None = None


class ComponentRequest(Strict):
    component: ComponentFields


class GroupFields(Strict):
    name: str | None = Field(default=None, max_length=255)
    components: list[str] | None = None


class GroupRequest(Strict):
    description: str | None = None
    component_group: GroupFields


class IncidentFields(Strict):
    name: str | None = Field(default=None, max_length=255)
    status: IncidentStatusValue | None = None
    impact_override: ImpactValue | None = None
    body: str | None = None
    components: dict[str, ComponentStatusValue] | None = None
    component_ids: list[str] | None = None
    deliver_notifications: StrictBool | None = None
    backfilled: StrictBool | None = None
    backfill_date: str | None = None
    metadata: dict | None = None
    reminder_intervals: str | None = Field(
        default=None,
        description=(
            "When each update promises the next one, in hours as a JSON array of one value: "
            '"[0.25]", "[0.5]", "[1]", "[2]" or "[4]"; "[]" (or null on a change) for none. '
            "Incidents only."
        ),
    )
    # Scheduled maintenance.
    scheduled_for: str | None = None
    scheduled_until: str | None = None
    scheduled_remind_prior: StrictBool | None = None
    scheduled_auto_in_progress: StrictBool | None = None
    scheduled_auto_completed: StrictBool | None = None
    scheduled_auto_transition: StrictBool | None = None
    auto_transition_to_maintenance_state: StrictBool | None = None
    auto_transition_to_operational_state: StrictBool | None = None
    auto_transition_deliver_notifications_at_start: StrictBool | None = None
    auto_transition_deliver_notifications_at_end: StrictBool | None = None
    # Kept and echoed for Statuspage's clients; we do not tweet.
    auto_tweet_at_beginning: StrictBool | None = None
    auto_tweet_on_completion: StrictBool | None = None
    auto_tweet_on_creation: StrictBool | None = None
    auto_tweet_one_hour_before: StrictBool | None = None
    wants_twitter_update: StrictBool | None = None


class IncidentRequest(Strict):
    incident: IncidentFields


class UpdateFields(Strict):
    body: str | None = None
    display_at: str | None = None
    deliver_notifications: StrictBool | None = None
    wants_twitter_update: StrictBool | None = None


class UpdateRequest(Strict):
    incident_update: UpdateFields


class PostmortemFields(Strict):
    body_draft: str | None = None
    root_cause: str | None = None
    resolution: str | None = None


class PostmortemRequest(Strict):
    postmortem: PostmortemFields


class PublishFields(Strict):
    notify_subscribers: StrictBool | None = None
    notify_twitter: StrictBool | None = None
    custom_tweet: str | None = None


class PublishRequest(Strict):
    postmortem: PublishFields | None = None


class TemplateFields(Strict):
    name: str = Field(max_length=255)
    title: str = Field(max_length=255)
    body: str
    group_id: str | None = None
    update_status: IncidentStatusValue | None = None
    should_tweet: StrictBool | None = None
    should_send_notifications: StrictBool | None = None
    component_ids: list[str] | None = None


class TemplateRequest(Strict):
    template: TemplateFields


class SubscriberFields(Strict):
    email: str | None = Field(default=None, max_length=254)
    endpoint: str | None = Field(default=None, max_length=2000)
    phone_country: str | None = None
    phone_number: str | None = None
    skip_confirmation_notification: StrictBool | None = None
    page_access_user: str | None = None
    component_ids: list[str] | None = None
    language: str | None = None


class SubscriberRequest(Strict):
    subscriber: SubscriberFields


# Subscribers: counts, lists and bulk changes, as Statuspage's clients call them. Of its
# types only email and webhook subscribers exist here (the others count and list none).
SubscriberType = Literal["email", "sms", "webhook", "slack", "teams", "integration_partner"]
# Statuspage's states (unconfirmed = pending; quarantined = bounced or disabled), and ours.
SubscriberStateFilter = Literal[
    "active",
    "unconfirmed",
    "quarantined",
    "unsubscribed",
    "all",
    "pending",
    "bounced",
    "disabled",
]


BulkSubscribers = Annotated[
    str | list[str],
    Field(description='Subscriber ids (at most 100), comma-separated or as a list; or "all".'),
]


class SubscriberIds(Strict):
    subscribers: BulkSubscribers
    type: SubscriberType | None = Field(default=None, description="Only subscribers of this type.")
    state: SubscriberStateFilter | None = Field(
        default=None, description='Only subscribers in this state (default active; "all": any).'
    )
    skip_unsubscription_notification: StrictBool | None = Field(
        default=None, description="Accepted: no mail is ever sent on unsubscribing."
    )


class SubscriberCountByType(Schema):
    email: int
    sms: int
    webhook: int
    integration_partner: int
    slack: int


class SubscriberCountByState(Schema):
    active: int
    unconfirmed: int
    quarantined: int
    total: int = Field(description="The three above together (unsubscribed ones are not).")


class SubscriberCountByTypeAndState(Schema):
    email: SubscriberCountByState
    sms: SubscriberCountByState
    webhook: SubscriberCountByState
    integration_partner: SubscriberCountByState
    slack: SubscriberCountByState


class SubscriberCountQuery(Schema):
    type: SubscriberType | None = Field(default=None, description="Only subscribers of this type.")
    state: SubscriberStateFilter | None = Field(
        default=None, description='Only subscribers in this state (default active; "all": any).'
    )


class SubscriberListQuery(Paging):
    """The subscriber list counts its pages from 0, as Statuspage documents it."""

    page: int = Field(
        default=0, ge=0, le=MAX_PAGE, description="The page, from 0: skips page * limit rows."
    )
    q: str = Field(default="", max_length=254, description="Part of the email or endpoint.")
    type: SubscriberType | None = Field(default=None, description="Only subscribers of this type.")
    state: SubscriberStateFilter | None = Field(
        default=None, description='Only subscribers in this state (default active; "all": any).'
    )
    sort_field: Literal["primary", "created_at", "quarantined_at", "relevance"] = Field(
        default="primary",
        description="primary: the email or endpoint; relevance needs `q`.",
    )
    sort_direction: Literal["asc", "desc"] = "asc"

    @property
    def start(self) -> int:
        return self.page * self.size


class SubscriberComponents(Strict):
    component_ids: list[str] | None = Field(
        default=None,
        min_length=1,
        description="The components it hears of; leave it out for all of them.",
    )


class SubscriberReactivation(Strict):
    subscribers: BulkSubscribers
    type: SubscriberType | None = Field(default=None, description="Only subscribers of this type.")


class SubscriberResend(Strict):
    subscribers: BulkSubscribers


class IncidentSubscriberFields(Strict):
    email: str | None = Field(default=None, max_length=254)
    phone_country: str | None = None
    phone_number: str | None = None
    skip_confirmation_notification: StrictBool | None = None
    language: str | None = Field(default=None, description="Addition: the language of the mails.")


class IncidentSubscriberRequest(Strict):
    subscriber: IncidentSubscriberFields
