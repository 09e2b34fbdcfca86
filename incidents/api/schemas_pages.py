"""Request and response shapes of the page's settings and of its banner's (`manage.pages`), as
Statuspage names them."""

from __future__ import annotations

from ninja import Schema
from pydantic import StrictBool

from .schemas import Strict, Timestamp


class ManagedPage(Schema):
    """Named apart from the public API's `Page` (OpenAPI names one schema per name)."""

    id: str
    created_at: Timestamp | None
    updated_at: Timestamp | None
    name: str
    page_description: str | None
    headline: str | None
    branding: str
    subdomain: str | None
    domain: str
    url: str | None
    support_url: str | None
    hidden_from_search: bool
    allow_page_subscribers: bool
    allow_incident_subscribers: bool
    allow_email_subscribers: bool
    allow_sms_subscribers: bool
    allow_rss_atom_feeds: bool
    allow_webhook_subscribers: bool
    notifications_from_email: str | None
    notifications_email_footer: str | None
    activity_score: float
    twitter_username: str | None
    viewers_must_be_team_members: bool
    ip_restrictions: str | None
    city: str | None
    state: str | None
    country: str | None
    time_zone: str
    css_body_background_color: str
    css_font_color: str
    css_light_font_color: str
    css_greens: str
    css_yellows: str
    css_oranges: str
    css_blues: str
    css_reds: str
    css_border_color: str
    css_graph_color: str
    css_link_color: str
    css_no_data: str
    favicon_logo: str | None
    transactional_logo: str | None
    hero_cover: str | None
    email_logo: str | None
    twitter_logo: str | None


class PageFields(Strict):
    """What `PATCH`/`PUT pages/{page_id}` may send; `services.page` decides what it accepts."""

    name: str | None = None
    domain: str | None = None
    subdomain: str | None = None
    url: str | None = None
    branding: str | None = None
    css_body_background_color: str | None = None
    css_font_color: str | None = None
    css_light_font_color: str | None = None
    css_greens: str | None = None
    css_yellows: str | None = None
    css_oranges: str | None = None
    css_reds: str | None = None
    css_blues: str | None = None
    css_border_color: str | None = None
    css_graph_color: str | None = None
    css_link_color: str | None = None
    css_no_data: str | None = None
    hidden_from_search: StrictBool | None = None
    viewers_must_be_team_members: StrictBool | None = None
    allow_page_subscribers: StrictBool | None = None
    allow_incident_subscribers: StrictBool | None = None
    allow_email_subscribers: StrictBool | None = None
    allow_sms_subscribers: StrictBool | None = None
    allow_rss_atom_feeds: StrictBool | None = None
    allow_webhook_subscribers: StrictBool | None = None
    notifications_from_email: str | None = None
    time_zone: str | None = None
    notifications_email_footer: str | None = None


class PageRequest(Strict):
    page: PageFields


class StatusEmbedConfig(Schema):
    page_id: str
    position: str | None
    incident_background_color: str
    incident_text_color: str
    maintenance_background_color: str
    maintenance_text_color: str


class StatusEmbedConfigFields(Strict):
    position: str | None = None
    incident_background_color: str | None = None
    incident_text_color: str | None = None
    maintenance_background_color: str | None = None
    maintenance_text_color: str | None = None


class StatusEmbedConfigRequest(Strict):
    status_embed_config: StatusEmbedConfigFields
