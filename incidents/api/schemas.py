"""Request and response shapes, as Statuspage names them; they also make /api/openapi.json."""

from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from ..models import ComponentStatus, Impact, IncidentStatus

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
ComponentStatusValue = Literal[tuple(ComponentStatus.values)]  # type: ignore[valid-type]
IncidentStatusValue = Literal[tuple(IncidentStatus.values)]  # type: ignore[valid-type]
ImpactValue = Literal[tuple(Impact.values)]  # type: ignore[valid-type]


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
    indicator: Literal["none", "minor", "major", "critical"]
    description: str


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
TranslationLanguage = Literal["it", "de", "es", "fr", "ja", "pt-br"]


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
    status: IncidentStatusValue
    created_at: Timestamp
    updated_at: Timestamp
    monitoring_at: Timestamp | None
    resolved_at: Timestamp | None
    impact: ImpactValue
    shortlink: str
    started_at: Timestamp
    page_id: str
    incident_updates: list[IncidentUpdate]
    components: list[Component]
    translations: dict[TranslationLanguage, IncidentTranslation] | None = Field(
        default=None, description=TRANSLATIONS_DESCRIPTION
    )


class ManagedIncident(Incident):
    impact_override: ImpactValue | None
    metadata: dict
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
    reminder_intervals: str | None


class PageStatus(Schema):
    page: Page
    status: Status


class PageComponents(Schema):
    page: Page
    components: list[Component]


class PageIncidents(Schema):
    page: Page
    incidents: list[Incident]


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


# Requests. Unknown fields are refused (422), as are wrong types.


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ComponentFields(Strict):
    name: str | None = Field(default=None, max_length=255)
    description: str | None = None
    status: ComponentStatusValue | None = None
    only_show_if_degraded: bool | None = None
    group_id: str | None = None
    showcase: bool | None = None
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
    deliver_notifications: bool | None = None
    backfilled: bool | None = None
    backfill_date: str | None = None
    metadata: dict | None = None
    # Accepted for compatibility with Statuspage clients; we do not tweet.
    auto_tweet_on_creation: bool | None = None
    wants_twitter_update: bool | None = None


class IncidentRequest(Strict):
    incident: IncidentFields


class UpdateFields(Strict):
    body: str | None = None
    display_at: str | None = None
    deliver_notifications: bool | None = None
    wants_twitter_update: bool | None = None


class UpdateRequest(Strict):
    incident_update: UpdateFields
