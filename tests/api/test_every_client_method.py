"""Every method of the client generated from Statuspage's published API description
(atlassian-statuspage), found by introspection, called against a live server.

It guards the compatibility claim as a whole: each method is classified in exactly one table,

- IN_SCOPE: the call answers what the client documents (`:return:` of the method), parsed
  into its own model (or list of models), shown to be the right object;
- PAGE_ACCESS: audience-specific page access, not supported here: a JSON 404 that says so,
  behind the same key check as every management route;
- METRICS: methods not implemented yet: a JSON 4xx. Move a method to IN_SCOPE when its
  endpoint is written (none is left: metrics and metric providers are in scope);

so a client release with a method nobody classified, or a table naming a method the client
does not have, fails here rather than passing unnoticed.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

import atlassian_statuspage as sp
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from incidents import services
from incidents.api.manage.users import public_id
from incidents.api.services import api_key_create
from incidents.metrics import services as metric_services
from incidents.metrics.models import Metric, MetricPoint, MetricProvider
from incidents.models import Component, ComponentGroup, IncidentTemplate, Postmortem
from incidents.notifications.models import Subscriber, SubscriberState

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # See test_generated_client: the test server's threads finishing kept-alive connections.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PAGE = settings.STATUSPAGE_PAGE_ID
ORG = settings.STATUSPAGE_PAGE_ID  # our one organization has the page's id
ORGANIZATION_APIS = {"UsersApi", "PermissionsApi"}


def client_methods() -> dict[str, Callable]:
    """Every public method of every `*Api` class the client exports, as `Class.method`."""
    found = {}
    for class_name, api_class in inspect.getmembers(sp, inspect.isclass):
        if not class_name.endswith("Api"):
            continue
        for name, function in inspect.getmembers(api_class, inspect.isfunction):
            if not name.startswith("_") and not name.endswith("_with_http_info"):
                found[f"{class_name}.{name}"] = function
    return found


CLIENT_METHODS = client_methods()


def documented_return(function) -> str:
    """The type the method's docstring says it answers: `None`, `Component`, `list[Incident]`."""
    return re.search(r":return: (\S+)", function.__doc__).group(1)


class World:
    """What the calls need, each made on first use (through the services, as staff would), so
    that a call sets up only its own objects."""

    def __init__(self, request, client_for, manager_key):
        self._request = request
        self._client_for = client_for
        self._manager_key = manager_key

    def api(self, class_name: str, key: str | None = None):
        """The client's `class_name` API with `key`; by default organization calls with an
        administrator's key (managing users takes `auth` permissions), page calls with an
        incident manager's."""
        if key is None:
            key = self._admin_key if class_name in ORGANIZATION_APIS else self._manager_key
        return getattr(sp, class_name)(self._client_for(key))

    @cached_property
    def _admin_key(self) -> str:
        admin = get_user_model().objects.create_superuser(
            username="root", email="root@example.com", password="pw"
        )
        return api_key_create(admin)[1]

    @cached_property
    def _pods(self) -> dict[str, Component]:
        return self._request.getfixturevalue("pods")

    # Components and groups

    @cached_property
    def pod(self) -> str:
        return self._pods["Pod 13"].public_id

    @cached_property
    def group(self) -> str:
        return self._pods["Pod 13"].group.public_id

    @cached_property
    def empty_group(self) -> str:
        """A group without components (one with them is not deleted: they would be lost)."""
        return services.group_save(ComponentGroup(name="Retired", position=2)).public_id

    # Incidents, maintenance, postmortems, templates

    @cached_property
    def _incident(self):
        return self._request.getfixturevalue("make_incident")()

    @cached_property
    def incident(self) -> str:
        return self._incident.public_id

    @cached_property
    def update(self) -> str:
        return self._incident.updates.get().public_id

    @cached_property
    def resolved(self) -> str:
        """A resolved incident with a postmortem draft."""
        incident = self._request.getfixturevalue("make_incident")(
            name="Slow search", body="Searches are slow."
        )
        services.incident_resolve(incident, body="A full disk was cleaned.")
        services.postmortem_save_draft(incident, root_cause="The log volume filled up.")
        return incident.public_id

    @cached_property
    def published(self) -> str:
        """A resolved incident whose postmortem is published."""
        postmortem = Postmortem.objects.get(incident__public_id=self.resolved)
        services.postmortem_publish(postmortem, notify=False)
        return self.resolved

    def _maintenance(self, starts_in: timedelta):
        start = timezone.now() + starts_in
        return services.maintenance_schedule(
            name="Database upgrade",
            body="Upgrading the database.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            components=[self._pods["Pod 17"]],
            deliver_notifications=False,
        )

    @cached_property
    def upcoming(self) -> str:
        return self._maintenance(timedelta(days=2)).public_id

    @cached_property
    def active(self) -> str:
        maintenance = self._maintenance(timedelta(hours=1))
        services.maintenance_start(maintenance, body="Started early.", deliver_notifications=False)
        return maintenance.public_id

    @cached_property
    def template(self) -> str:
        template = IncidentTemplate(
            name="Pod outage", title="Pod outage", body="We are investigating."
        )
        services.incident_template_save(template, components=[self._pods["Pod 13"]])
        return template.name

    # Subscribers

    def _subscriber(self, email: str, state: str, *, follows: bool = False) -> str:
        subscriber = Subscriber.objects.create(email=email, state=state, incidents_only=follows)
        if follows:
            subscriber.incidents.set([self._incident])
        return subscriber.public_id

    @cached_property
    def subscriber(self) -> str:
        return self._subscriber("ana@example.com", SubscriberState.ACTIVE)

    @cached_property
    def pending(self) -> str:
        return self._subscriber("pending@example.com", SubscriberState.PENDING)

    @cached_property
    def bounced(self) -> str:
        return self._subscriber("bounced@example.com", SubscriberState.BOUNCED)

    @cached_property
    def left(self) -> str:
        return self._subscriber("left@example.com", SubscriberState.UNSUBSCRIBED)

    @cached_property
    def follower(self) -> str:
        return self._subscriber("follower@example.com", SubscriberState.ACTIVE, follows=True)

    @cached_property
    def pending_follower(self) -> str:
        return self._subscriber("new@example.com", SubscriberState.PENDING, follows=True)

    # The organization

    @cached_property
    def staff(self) -> str:
        return public_id(self._request.getfixturevalue("support_user"))

    # Metrics

    @cached_property
    def provider(self) -> str:
        return metric_services.provider_save(MetricProvider(type="Self")).public_id

    @cached_property
    def _api_latency(self) -> Metric:
        provider = MetricProvider.objects.get(public_id=self.provider)
        metric = Metric(provider=provider, name="API latency", suffix="ms")
        return metric_services.metric_save(metric)

    @cached_property
    def metric(self) -> str:
        return self._api_latency.public_id

    @cached_property
    def metric_with_data(self) -> str:
        metric_services.metric_data_add({self._api_latency: [_point()]})
        return self.metric

    def listed(self, class_name: str, method: str, *args) -> list[str]:
        """The ids a list answers. Statuspage answers these lists with an array, which the
        client, whose description says one object, parses into an empty object."""
        answer = getattr(self.api(class_name), method)(*args, _preload_content=False)
        return [item["id"] for item in json.loads(answer.data)]


def ids(found) -> list[str]:
    return [item.id for item in found]


def state_of(subscriber_id: str) -> str:
    return Subscriber.objects.get(public_id=subscriber_id).state


def points_of(metric_id: str) -> list[tuple[int, float]]:
    return list(MetricPoint.objects.filter(metric__public_id=metric_id).values_list("at", "value"))


def mailed() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


@dataclass(frozen=True)
class Case:
    """How a method is called (`call` is the client's bound method), what shows that its
    answer, already of the documented type, is the right object, and what must exist before
    the call (the World's names) when the call itself names none of it (a list)."""

    call: Callable[[Callable, World], Any]
    shows: Callable[[Any, World], bool]
    needs: tuple[str, ...] = ()


def _group_fields(**fields):
    return sp.PostPagesPageIdComponentGroupsComponentGroup(**fields)


def _component_fields(**fields):
    return sp.PostPagesPageIdComponentsComponent(**fields)


def _incident_changes(**fields):
    return sp.PatchPagesPageIdIncidentsIncident(**fields)


def _update_changes(body: str):
    return sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdatesIncidentUpdate(body=body)


def _roles(**roles):
    return sp.PutOrganizationsOrganizationIdPermissions(
        pages=sp.PutOrganizationsOrganizationIdPermissionsPages(
            page_id=sp.PutOrganizationsOrganizationIdPermissionsPagesPageId(**roles)
        )
    )


def _embed(**fields):
    return sp.PatchPagesPageIdStatusEmbedConfigStatusEmbedConfig(**fields)


EMBED = {
    "position": "bottom-right",
    "incident_background_color": "#b42318",
    "incident_text_color": "#ffffff",
}

IN_SCOPE: dict[str, Case] = {
    # Component groups
    "ComponentGroupsApi.delete_pages_page_id_component_groups_id": Case(
        lambda call, w: call(PAGE, w.empty_group), lambda gone, w: gone.id == w.empty_group
    ),
    "ComponentGroupsApi.get_pages_page_id_component_groups": Case(
        lambda call, w: call(PAGE), lambda found, w: w.group in ids(found), needs=("group",)
    ),
    "ComponentGroupsApi.get_pages_page_id_component_groups_id": Case(
        lambda call, w: call(PAGE, w.group), lambda found, w: found.name == "Pods"
    ),
    "ComponentGroupsApi.get_pages_page_id_component_groups_id_uptime": Case(
        lambda call, w: call(PAGE, w.group), lambda found, w: found.id == w.group
    ),
    "ComponentGroupsApi.patch_pages_page_id_component_groups_id": Case(
        lambda call, w: call(
            sp.PatchPagesPageIdComponentGroups(
                component_group=_group_fields(name="Pods EU", components=[w.pod])
            ),
            PAGE,
            w.group,
        ),
        lambda changed, w: changed.name == "Pods EU",
    ),
    "ComponentGroupsApi.post_pages_page_id_component_groups": Case(
        lambda call, w: call(
            sp.PostPagesPageIdComponentGroups(
                description="Telephony products",
                component_group=_group_fields(name="Telephony", components=[w.pod]),
            ),
            PAGE,
        ),
        # The client reads `components` as a string (its description says so).
        lambda made, w: made.name == "Telephony" and w.pod in made.components,
    ),
    "ComponentGroupsApi.put_pages_page_id_component_groups_id": Case(
        lambda call, w: call(
            sp.PutPagesPageIdComponentGroups(
                component_group=_group_fields(name="Pods EU", components=[w.pod])
            ),
            PAGE,
            w.group,
        ),
        lambda changed, w: changed.name == "Pods EU",
    ),
    # Components
    "ComponentsApi.delete_pages_page_id_components_component_id": Case(
        lambda call, w: call(PAGE, w.pod),
        lambda _none, w: not Component.objects.filter(public_id=w.pod).exists(),
    ),
    "ComponentsApi.get_pages_page_id_components": Case(
        lambda call, w: call(PAGE), lambda found, w: w.pod in ids(found), needs=("pod",)
    ),
    "ComponentsApi.get_pages_page_id_components_component_id": Case(
        lambda call, w: call(PAGE, w.pod), lambda found, w: found.name == "Pod 13"
    ),
    "ComponentsApi.get_pages_page_id_components_component_id_uptime": Case(
        lambda call, w: call(PAGE, w.pod), lambda found, w: found.name == "Pod 13"
    ),
    "ComponentsApi.patch_pages_page_id_components_component_id": Case(
        lambda call, w: call(
            sp.PatchPagesPageIdComponents(
                component=_component_fields(status="degraded_performance")
            ),
            PAGE,
            w.pod,
        ),
        lambda changed, w: changed.status == "degraded_performance",
    ),
    "ComponentsApi.post_pages_page_id_components": Case(
        lambda call, w: call(
            sp.PostPagesPageIdComponents(
                component=_component_fields(name="Voice", description="Calls")
            ),
            PAGE,
        ),
        lambda made, w: made.name == "Voice",
    ),
    "ComponentsApi.put_pages_page_id_components_component_id": Case(
        lambda call, w: call(
            sp.PutPagesPageIdComponents(component=_component_fields(description="EU customers")),
            PAGE,
            w.pod,
        ),
        lambda changed, w: changed.description == "EU customers",
    ),
    # Postmortems
    "IncidentPostmortemApi.delete_pages_page_id_incidents_incident_id_postmortem": Case(
        lambda call, w: call(PAGE, w.resolved),
        lambda _none, w: not Postmortem.objects.filter(incident__public_id=w.resolved).exists(),
    ),
    "IncidentPostmortemApi.get_pages_page_id_incidents_incident_id_postmortem": Case(
        lambda call, w: call(PAGE, w.resolved), lambda found, w: "log volume" in found.body_draft
    ),
    "IncidentPostmortemApi.put_pages_page_id_incidents_incident_id_postmortem": Case(
        lambda call, w: call(
            sp.PutPagesPageIdIncidentsIncidentIdPostmortem(
                postmortem=sp.PutPagesPageIdIncidentsIncidentIdPostmortemPostmortem(
                    body_draft="The search index disk filled up."
                )
            ),
            PAGE,
            w.resolved,
        ),
        lambda saved, w: "search index disk" in saved.body_draft,
    ),
    "IncidentPostmortemApi.put_pages_page_id_incidents_incident_id_postmortem_publish": Case(
        lambda call, w: call(
            sp.PutPagesPageIdIncidentsIncidentIdPostmortemPublish(
                postmortem=sp.PutPagesPageIdIncidentsIncidentIdPostmortemPublishPostmortem(
                    notify_subscribers=False
                )
            ),
            PAGE,
            w.resolved,
        ),
        lambda published, w: published.published_at is not None,
    ),
    "IncidentPostmortemApi.put_pages_page_id_incidents_incident_id_postmortem_revert": Case(
        lambda call, w: call(PAGE, w.published),
        lambda reverted, w: reverted.published_at is None,
    ),
    # An incident's subscribers
    "IncidentSubscribersApi.delete_pages_page_id_incidents_incident_id_subscribers_subscriber_id": Case(  # noqa: E501
        lambda call, w: call(PAGE, w.incident, w.follower),
        lambda gone, w: gone.id == w.follower,
    ),
    "IncidentSubscribersApi.get_pages_page_id_incidents_incident_id_subscribers": Case(
        lambda call, w: call(PAGE, w.incident),
        lambda found, w: ids(found) == [w.follower],
        needs=("follower",),
    ),
    "IncidentSubscribersApi.get_pages_page_id_incidents_incident_id_subscribers_subscriber_id": Case(  # noqa: E501
        lambda call, w: call(PAGE, w.incident, w.follower),
        lambda found, w: found.email == "follower@example.com",
    ),
    "IncidentSubscribersApi.post_pages_page_id_incidents_incident_id_subscribers": Case(
        lambda call, w: call(
            sp.PostPagesPageIdIncidentsIncidentIdSubscribers(
                subscriber=sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber(
                    email="reader@example.com"
                )
            ),
            PAGE,
            w.incident,
        ),
        lambda made, w: made.email == "reader@example.com",
    ),
    "IncidentSubscribersApi.post_pages_page_id_incidents_incident_id_subscribers_subscriber_id_resend_confirmation": Case(  # noqa: E501
        lambda call, w: call(PAGE, w.incident, w.pending_follower),
        lambda _none, w: mailed() == ["new@example.com"],
    ),
    # Incident updates
    "IncidentUpdatesApi.patch_pages_page_id_incidents_incident_id_incident_updates_incident_update_id": Case(  # noqa: E501
        lambda call, w: call(
            sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdates(
                incident_update=_update_changes("Logins on Pod 13 are slow.")
            ),
            PAGE,
            w.incident,
            w.update,
        ),
        lambda changed, w: changed.body == "Logins on Pod 13 are slow.",
    ),
    "IncidentUpdatesApi.put_pages_page_id_incidents_incident_id_incident_updates_incident_update_id": Case(  # noqa: E501
        lambda call, w: call(
            sp.PutPagesPageIdIncidentsIncidentIdIncidentUpdates(
                incident_update=_update_changes("Logins on Pod 13 are slow.")
            ),
            PAGE,
            w.incident,
            w.update,
        ),
        lambda changed, w: changed.id == w.update and changed.body.startswith("Logins"),
    ),
    # Incidents and maintenance
    "IncidentsApi.delete_pages_page_id_incidents_incident_id": Case(
        lambda call, w: call(PAGE, w.incident), lambda gone, w: gone.id == w.incident
    ),
    "IncidentsApi.get_pages_page_id_incidents": Case(
        lambda call, w: call(PAGE), lambda found, w: ids(found) == [w.incident], needs=("incident",)
    ),
    "IncidentsApi.get_pages_page_id_incidents_active_maintenance": Case(
        lambda call, w: call(PAGE), lambda found, w: ids(found) == [w.active], needs=("active",)
    ),
    "IncidentsApi.get_pages_page_id_incidents_incident_id": Case(
        lambda call, w: call(PAGE, w.incident), lambda found, w: found.name == "Slow logins"
    ),
    "IncidentsApi.get_pages_page_id_incidents_scheduled": Case(
        lambda call, w: call(PAGE), lambda found, w: ids(found) == [w.upcoming], needs=("upcoming",)
    ),
    "IncidentsApi.get_pages_page_id_incidents_unresolved": Case(
        lambda call, w: call(PAGE), lambda found, w: ids(found) == [w.incident], needs=("incident",)
    ),
    "IncidentsApi.get_pages_page_id_incidents_upcoming": Case(
        lambda call, w: call(PAGE), lambda found, w: ids(found) == [w.upcoming], needs=("upcoming",)
    ),
    "IncidentsApi.patch_pages_page_id_incidents_incident_id": Case(
        lambda call, w: call(
            sp.PatchPagesPageIdIncidents(
                incident=_incident_changes(status="identified", body="A bad cache node.")
            ),
            PAGE,
            w.incident,
        ),
        lambda changed, w: changed.status == "identified",
    ),
    "IncidentsApi.post_pages_page_id_incidents": Case(
        lambda call, w: call(
            sp.PostPagesPageIdIncidents(
                incident=sp.PostPagesPageIdIncidentsIncident(
                    name="Pod 13 API errors",
                    status="investigating",
                    body="Some API calls on Pod 13 fail.",
                    components={w.pod: "partial_outage"},
                    component_ids=[w.pod],
                    deliver_notifications=False,
                )
            ),
            PAGE,
        ),
        lambda made, w: made.name == "Pod 13 API errors" and made.impact == "major",
    ),
    "IncidentsApi.put_pages_page_id_incidents_incident_id": Case(
        lambda call, w: call(
            sp.PutPagesPageIdIncidents(
                incident=_incident_changes(status="resolved", body="Fixed.")
            ),
            PAGE,
            w.incident,
        ),
        lambda changed, w: changed.status == "resolved" and changed.resolved_at is not None,
    ),
    # The page and its embed (being implemented)
    "PagesApi.get_pages": Case(lambda call, w: call(), lambda found, w: ids(found) == [PAGE]),
    "PagesApi.get_pages_page_id": Case(
        lambda call, w: call(PAGE), lambda found, w: found.id == PAGE
    ),
    "PagesApi.patch_pages_page_id": Case(
        lambda call, w: call(sp.PatchPages(page=sp.PatchPagesPage(name="Acme status")), PAGE),
        lambda changed, w: changed.name == "Acme status",
    ),
    "PagesApi.put_pages_page_id": Case(
        lambda call, w: call(sp.PutPages(page=sp.PatchPagesPage(name="Acme status")), PAGE),
        lambda changed, w: changed.name == "Acme status",
    ),
    "StatusEmbedConfigApi.get_pages_page_id_status_embed_config": Case(
        lambda call, w: call(PAGE), lambda found, w: found.page_id == PAGE
    ),
    "StatusEmbedConfigApi.patch_pages_page_id_status_embed_config": Case(
        lambda call, w: call(
            sp.PatchPagesPageIdStatusEmbedConfig(status_embed_config=_embed(**EMBED)), PAGE
        ),
        lambda changed, w: changed.position == "bottom-right",
    ),
    "StatusEmbedConfigApi.put_pages_page_id_status_embed_config": Case(
        lambda call, w: call(
            sp.PutPagesPageIdStatusEmbedConfig(status_embed_config=_embed(**EMBED)), PAGE
        ),
        lambda changed, w: changed.incident_background_color == "#b42318",
    ),
    # The organization's users and their roles
    "PermissionsApi.get_organizations_organization_id_permissions_user_id": Case(
        lambda call, w: call(ORG, w.staff),
        lambda found, w: found.data.user_id == w.staff and found.data.pages.incident_manager,
    ),
    "PermissionsApi.put_organizations_organization_id_permissions_user_id": Case(
        lambda call, w: call(_roles(page_configuration=True), ORG, w.staff),
        lambda changed, w: changed.data.pages.page_configuration is True,
    ),
    "UsersApi.delete_organizations_organization_id_users_user_id": Case(
        lambda call, w: call(ORG, w.staff), lambda gone, w: gone.id == w.staff
    ),
    "UsersApi.get_organizations_organization_id_permissions_user_id": Case(
        lambda call, w: call(ORG, w.staff), lambda found, w: found.data.user_id == w.staff
    ),
    "UsersApi.get_organizations_organization_id_users": Case(
        lambda call, w: call(ORG), lambda found, w: w.staff in ids(found), needs=("staff",)
    ),
    "UsersApi.post_organizations_organization_id_users": Case(
        lambda call, w: call(
            sp.PostOrganizationsOrganizationIdUsers(
                user=sp.PostOrganizationsOrganizationIdUsersUser(
                    email="ana@example.com", first_name="Ana", last_name="Lima"
                )
            ),
            ORG,
        ),
        lambda made, w: made.email == "ana@example.com" and made.organization_id == ORG,
    ),
    # Subscribers
    "SubscribersApi.delete_pages_page_id_subscribers_subscriber_id": Case(
        lambda call, w: call(PAGE, w.subscriber, skip_unsubscription_notification=True),
        lambda gone, w: gone.id == w.subscriber and state_of(w.subscriber) == "unsubscribed",
    ),
    "SubscribersApi.get_pages_page_id_subscribers": Case(
        lambda call, w: call(PAGE),
        lambda found, w: ids(found) == [w.subscriber],
        needs=("subscriber",),
    ),
    "SubscribersApi.get_pages_page_id_subscribers_count": Case(
        lambda call, w: call(PAGE), lambda counted, w: counted.email == 1, needs=("subscriber",)
    ),
    "SubscribersApi.get_pages_page_id_subscribers_histogram_by_state": Case(
        lambda call, w: call(PAGE),
        lambda histogram, w: (histogram.email.active, histogram.email.unconfirmed) == (1, 1),
        needs=("subscriber", "pending"),
    ),
    "SubscribersApi.get_pages_page_id_subscribers_subscriber_id": Case(
        lambda call, w: call(PAGE, w.subscriber),
        lambda found, w: found.email == "ana@example.com",
    ),
    "SubscribersApi.get_pages_page_id_subscribers_unsubscribed": Case(
        lambda call, w: call(PAGE), lambda found, w: ids(found) == [w.left], needs=("left",)
    ),
    "SubscribersApi.patch_pages_page_id_subscribers_subscriber_id": Case(
        lambda call, w: call(
            sp.PatchPagesPageIdSubscribers(component_ids=[w.pod]), PAGE, w.subscriber
        ),
        lambda changed, w: w.pod in changed.components,
    ),
    "SubscribersApi.post_pages_page_id_subscribers": Case(
        lambda call, w: call(
            sp.PostPagesPageIdSubscribers(
                subscriber=sp.PostPagesPageIdSubscribersSubscriber(email="reader@example.com")
            ),
            PAGE,
        ),
        lambda made, w: made.email == "reader@example.com" and made.mode == "email",
    ),
    "SubscribersApi.post_pages_page_id_subscribers_reactivate": Case(
        lambda call, w: call(sp.PostPagesPageIdSubscribersReactivate(subscribers=w.bounced), PAGE),
        lambda _none, w: state_of(w.bounced) == SubscriberState.ACTIVE,
    ),
    "SubscribersApi.post_pages_page_id_subscribers_resend_confirmation": Case(
        lambda call, w: call(
            sp.PostPagesPageIdSubscribersResendConfirmation(subscribers=w.pending), PAGE
        ),
        lambda _none, w: mailed() == ["pending@example.com"],
    ),
    "SubscribersApi.post_pages_page_id_subscribers_subscriber_id_resend_confirmation": Case(
        lambda call, w: call(PAGE, w.pending),
        lambda _none, w: mailed() == ["pending@example.com"],
    ),
    "SubscribersApi.post_pages_page_id_subscribers_unsubscribe": Case(
        lambda call, w: call(
            sp.PostPagesPageIdSubscribersUnsubscribe(
                subscribers=w.subscriber, skip_unsubscription_notification=True
            ),
            PAGE,
        ),
        lambda _none, w: state_of(w.subscriber) == SubscriberState.UNSUBSCRIBED,
    ),
    # Incident templates
    "TemplatesApi.get_pages_page_id_incident_templates": Case(
        lambda call, w: call(PAGE),
        lambda found, w: [t.name for t in found] == [w.template],
        needs=("template",),
    ),
    "TemplatesApi.post_pages_page_id_incident_templates": Case(
        lambda call, w: call(
            sp.PostPagesPageIdIncidentTemplates(
                template=sp.PostPagesPageIdIncidentTemplatesTemplate(
                    name="Pod outage",
                    title="Pod outage",
                    body="We are investigating.",
                    component_ids=[w.pod],
                )
            ),
            PAGE,
        ),
        lambda made, w: made.name == "Pod outage" and [c.id for c in made.components] == [w.pod],
    ),
}

# Ids of page access users and groups, and of a metric one would see: any will do.
ACCESS_USER, ACCESS_GROUP, METRIC = "pau000000001", "pag000000001", "met0001"


def _component_ids(model, w):
    return model(component_ids=[w.pod])


def _metric_ids(model):
    return model(metric_ids=[METRIC])


def _access_group(model):
    return model(
        page_access_group=sp.PostPagesPageIdPageAccessGroupsPageAccessGroup(
            name="Customers", component_ids=[]
        )
    )


# Audience-specific page access: how each is called (answered 404, "not supported").
PAGE_ACCESS: dict[str, Callable[[Callable, World], Any]] = {
    # Page access users
    "PageAccessUsersApi.delete_pages_page_id_page_access_users_page_access_user_id": (
        lambda call, w: call(PAGE, ACCESS_USER)
    ),
    "PageAccessUsersApi.get_pages_page_id_page_access_users": lambda call, w: call(PAGE),
    "PageAccessUsersApi.get_pages_page_id_page_access_users_page_access_user_id": (
        lambda call, w: call(PAGE, ACCESS_USER)
    ),
    "PageAccessUsersApi.patch_pages_page_id_page_access_users_page_access_user_id": (
        lambda call, w: call(PAGE, ACCESS_USER)
    ),
    "PageAccessUsersApi.post_pages_page_id_page_access_users": lambda call, w: call(
        sp.PostPagesPageIdPageAccessUsers(
            page_access_user=sp.PostPagesPageIdPageAccessUsersPageAccessUser(
                email="viewer@example.com", page_access_group_ids=[ACCESS_GROUP]
            )
        ),
        PAGE,
    ),
    "PageAccessUsersApi.put_pages_page_id_page_access_users_page_access_user_id": (
        lambda call, w: call(PAGE, ACCESS_USER)
    ),
    # Page access groups
    "PageAccessGroupsApi.delete_pages_page_id_page_access_groups_page_access_group_id": (
        lambda call, w: call(PAGE, ACCESS_GROUP)
    ),
    "PageAccessGroupsApi.get_pages_page_id_page_access_groups": lambda call, w: call(PAGE),
    "PageAccessGroupsApi.get_pages_page_id_page_access_groups_page_access_group_id": (
        lambda call, w: call(PAGE, ACCESS_GROUP)
    ),
    "PageAccessGroupsApi.patch_pages_page_id_page_access_groups_page_access_group_id": (
        lambda call, w: call(_access_group(sp.PatchPagesPageIdPageAccessGroups), PAGE, ACCESS_GROUP)
    ),
    "PageAccessGroupsApi.post_pages_page_id_page_access_groups": lambda call, w: call(
        _access_group(sp.PostPagesPageIdPageAccessGroups), PAGE
    ),
    "PageAccessGroupsApi.put_pages_page_id_page_access_groups_page_access_group_id": (
        lambda call, w: call(_access_group(sp.PutPagesPageIdPageAccessGroups), PAGE, ACCESS_GROUP)
    ),
    # The components a page access group sees
    "PageAccessGroupComponentsApi.delete_pages_page_id_page_access_groups_page_access_group_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.DeletePagesPageIdPageAccessGroupsPageAccessGroupIdComponents, w),
            PAGE,
            ACCESS_GROUP,
        )
    ),
    "PageAccessGroupComponentsApi.delete_pages_page_id_page_access_groups_page_access_group_id_components_component_id": (  # noqa: E501
        lambda call, w: call(PAGE, ACCESS_GROUP, w.pod)
    ),
    "PageAccessGroupComponentsApi.get_pages_page_id_page_access_groups_page_access_group_id_components": (  # noqa: E501
        lambda call, w: call(PAGE, ACCESS_GROUP)
    ),
    "PageAccessGroupComponentsApi.patch_pages_page_id_page_access_groups_page_access_group_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.PatchPagesPageIdPageAccessGroupsPageAccessGroupIdComponents, w),
            PAGE,
            ACCESS_GROUP,
        )
    ),
    "PageAccessGroupComponentsApi.post_pages_page_id_page_access_groups_page_access_group_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.PostPagesPageIdPageAccessGroupsPageAccessGroupIdComponents, w),
            PAGE,
            ACCESS_GROUP,
        )
    ),
    "PageAccessGroupComponentsApi.put_pages_page_id_page_access_groups_page_access_group_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.PutPagesPageIdPageAccessGroupsPageAccessGroupIdComponents, w),
            PAGE,
            ACCESS_GROUP,
        )
    ),
    # The components a page access user sees
    "PageAccessUserComponentsApi.delete_pages_page_id_page_access_users_page_access_user_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.DeletePagesPageIdPageAccessUsersPageAccessUserIdComponents, w),
            PAGE,
            ACCESS_USER,
        )
    ),
    "PageAccessUserComponentsApi.delete_pages_page_id_page_access_users_page_access_user_id_components_component_id": (  # noqa: E501
        lambda call, w: call(PAGE, ACCESS_USER, w.pod)
    ),
    "PageAccessUserComponentsApi.get_pages_page_id_page_access_users_page_access_user_id_components": (  # noqa: E501
        lambda call, w: call(PAGE, ACCESS_USER)
    ),
    "PageAccessUserComponentsApi.patch_pages_page_id_page_access_users_page_access_user_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.PatchPagesPageIdPageAccessUsersPageAccessUserIdComponents, w),
            PAGE,
            ACCESS_USER,
        )
    ),
    "PageAccessUserComponentsApi.post_pages_page_id_page_access_users_page_access_user_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.PostPagesPageIdPageAccessUsersPageAccessUserIdComponents, w),
            PAGE,
            ACCESS_USER,
        )
    ),
    "PageAccessUserComponentsApi.put_pages_page_id_page_access_users_page_access_user_id_components": (  # noqa: E501
        lambda call, w: call(
            _component_ids(sp.PutPagesPageIdPageAccessUsersPageAccessUserIdComponents, w),
            PAGE,
            ACCESS_USER,
        )
    ),
    # The metrics a page access user sees
    "PageAccessUserMetricsApi.delete_pages_page_id_page_access_users_page_access_user_id_metrics": (
        lambda call, w: call(
            _metric_ids(sp.DeletePagesPageIdPageAccessUsersPageAccessUserIdMetrics),
            PAGE,
            ACCESS_USER,
        )
    ),
    "PageAccessUserMetricsApi.delete_pages_page_id_page_access_users_page_access_user_id_metrics_metric_id": (  # noqa: E501
        lambda call, w: call(PAGE, ACCESS_USER, METRIC)
    ),
    "PageAccessUserMetricsApi.get_pages_page_id_page_access_users_page_access_user_id_metrics": (
        lambda call, w: call(PAGE, ACCESS_USER)
    ),
    "PageAccessUserMetricsApi.patch_pages_page_id_page_access_users_page_access_user_id_metrics": (
        lambda call, w: call(
            _metric_ids(sp.PatchPagesPageIdPageAccessUsersPageAccessUserIdMetrics),
            PAGE,
            ACCESS_USER,
        )
    ),
    "PageAccessUserMetricsApi.post_pages_page_id_page_access_users_page_access_user_id_metrics": (
        lambda call, w: call(
            _metric_ids(sp.PostPagesPageIdPageAccessUsersPageAccessUserIdMetrics),
            PAGE,
            ACCESS_USER,
        )
    ),
    "PageAccessUserMetricsApi.put_pages_page_id_page_access_users_page_access_user_id_metrics": (
        lambda call, w: call(
            _metric_ids(sp.PutPagesPageIdPageAccessUsersPageAccessUserIdMetrics),
            PAGE,
            ACCESS_USER,
        )
    ),
    # Who sees a component
    "ComponentsApi.delete_pages_page_id_components_component_id_page_access_groups": (
        lambda call, w: call(PAGE, w.pod)
    ),
    "ComponentsApi.delete_pages_page_id_components_component_id_page_access_users": (
        lambda call, w: call(PAGE, w.pod)
    ),
    "ComponentsApi.post_pages_page_id_components_component_id_page_access_groups": (
        lambda call, w: call(PAGE, w.pod)
    ),
    "ComponentsApi.post_pages_page_id_components_component_id_page_access_users": (
        lambda call, w: call(PAGE, w.pod, page_access_user_ids=[ACCESS_USER])
    ),
}


def _metric(model):
    return model(
        metric=sp.PostPagesPageIdMetricsProvidersMetricsProviderIdMetricsMetric(
            name="API latency", metric_identifier="api.latency", suffix="ms"
        )
    )


def _metric_changes(model):
    return model(metric=sp.PatchPagesPageIdMetricsMetric(name="API latency (p95)"))


def _provider_changes(model):
    return model(
        metrics_provider=sp.PatchPagesPageIdMetricsProvidersMetricsProvider(
            type="Self", metric_base_uri="https://metrics.example.com"
        )
    )


def _point():
    return {"timestamp": int(timezone.now().timestamp()), "value": 42.0}


IN_SCOPE.update(
    {
        # Metric providers
        "MetricProvidersApi.delete_pages_page_id_metrics_providers_metrics_provider_id": Case(
            lambda call, w: call(PAGE, w.provider),
            lambda gone, w: (
                gone.id == w.provider
                and not MetricProvider.objects.filter(public_id=w.provider).exists()
            ),
        ),
        "MetricProvidersApi.get_pages_page_id_metrics_providers": Case(
            lambda call, w: call(PAGE),
            lambda found, w: ids(found) == [w.provider],
            needs=("provider",),
        ),
        "MetricProvidersApi.get_pages_page_id_metrics_providers_metrics_provider_id": Case(
            lambda call, w: call(PAGE, w.provider),
            lambda found, w: found.id == w.provider and found.type == "Self",
        ),
        "MetricProvidersApi.get_pages_page_id_metrics_providers_metrics_provider_id_metrics": Case(
            lambda call, w: call(PAGE, w.provider),
            lambda _found, w: (
                w.listed(
                    "MetricProvidersApi",
                    "get_pages_page_id_metrics_providers_metrics_provider_id_metrics",
                    PAGE,
                    w.provider,
                )
                == [w.metric]
            ),
            needs=("metric",),
        ),
        "MetricProvidersApi.patch_pages_page_id_metrics_providers_metrics_provider_id": Case(
            lambda call, w: call(
                _provider_changes(sp.PatchPagesPageIdMetricsProviders), PAGE, w.provider
            ),
            lambda changed, w: changed.metric_base_uri == "https://metrics.example.com",
        ),
        "MetricProvidersApi.post_pages_page_id_metrics_providers": Case(
            lambda call, w: call(
                sp.PostPagesPageIdMetricsProviders(
                    metrics_provider=sp.PostPagesPageIdMetricsProvidersMetricsProvider(
                        type="Self", metric_base_uri="https://metrics.example.com"
                    )
                ),
                PAGE,
            ),
            lambda made, w: (
                made.type == "Self" and MetricProvider.objects.filter(public_id=made.id).exists()
            ),
        ),
        "MetricProvidersApi.post_pages_page_id_metrics_providers_metrics_provider_id_metrics": Case(
            lambda call, w: call(
                _metric(sp.PostPagesPageIdMetricsProvidersMetricsProviderIdMetrics),
                PAGE,
                w.provider,
            ),
            lambda made, w: (
                (made.name, made.suffix, made.metrics_provider_id)
                == ("API latency", "ms", w.provider)
            ),
        ),
        "MetricProvidersApi.put_pages_page_id_metrics_providers_metrics_provider_id": Case(
            lambda call, w: call(
                _provider_changes(sp.PutPagesPageIdMetricsProviders), PAGE, w.provider
            ),
            lambda changed, w: changed.metric_base_uri == "https://metrics.example.com",
        ),
        # Metrics and their data
        "MetricsApi.delete_pages_page_id_metrics_metric_id": Case(
            lambda call, w: call(PAGE, w.metric),
            lambda gone, w: (
                gone.id == w.metric and not Metric.objects.filter(public_id=w.metric).exists()
            ),
        ),
        "MetricsApi.delete_pages_page_id_metrics_metric_id_data": Case(
            lambda call, w: call(PAGE, w.metric_with_data),
            lambda reset, w: (
                reset.id == w.metric
                and reset.most_recent_data_at is None
                and points_of(w.metric) == []
            ),
        ),
        "MetricsApi.get_pages_page_id_metrics": Case(
            lambda call, w: call(PAGE),
            lambda _found, w: (
                w.listed("MetricsApi", "get_pages_page_id_metrics", PAGE) == [w.metric]
            ),
            needs=("metric",),
        ),
        "MetricsApi.get_pages_page_id_metrics_metric_id": Case(
            lambda call, w: call(PAGE, w.metric),
            lambda found, w: (
                found.name == "API latency" and found.metrics_provider_id == w.provider
            ),
        ),
        "MetricsApi.get_pages_page_id_metrics_providers_metrics_provider_id_metrics": Case(
            lambda call, w: call(PAGE, w.provider),
            lambda _found, w: (
                w.listed(
                    "MetricsApi",
                    "get_pages_page_id_metrics_providers_metrics_provider_id_metrics",
                    PAGE,
                    w.provider,
                )
                == [w.metric]
            ),
            needs=("metric",),
        ),
        "MetricsApi.patch_pages_page_id_metrics_metric_id": Case(
            lambda call, w: call(_metric_changes(sp.PatchPagesPageIdMetrics), PAGE, w.metric),
            lambda changed, w: changed.name == "API latency (p95)" and changed.suffix == "ms",
        ),
        # The client's model for the bulk body names its key `metric_id`, a placeholder for
        # each metric's id: the body is given as Statuspage reads it.
        "MetricsApi.post_pages_page_id_metrics_data": Case(
            lambda call, w: call(
                sp.PostPagesPageIdMetricsData(
                    data={w.metric: [sp.MetricAddResponseMetricId(**_point())]}
                ),
                PAGE,
            ),
            lambda _added, w: [value for _at, value in points_of(w.metric)] == [42.0],
        ),
        "MetricsApi.post_pages_page_id_metrics_metric_id_data": Case(
            lambda call, w: call(
                sp.PostPagesPageIdMetricsMetricIdData(
                    data=sp.PostPagesPageIdMetricsMetricIdDataData(**_point())
                ),
                PAGE,
                w.metric,
            ),
            lambda added, w: (
                added.data.value == 42.0 and points_of(w.metric) == [(added.data.timestamp, 42.0)]
            ),
        ),
        "MetricsApi.post_pages_page_id_metrics_providers_metrics_provider_id_metrics": Case(
            lambda call, w: call(
                _metric(sp.PostPagesPageIdMetricsProvidersMetricsProviderIdMetrics),
                PAGE,
                w.provider,
            ),
            lambda made, w: (
                (made.name, made.suffix, made.metrics_provider_id)
                == ("API latency", "ms", w.provider)
            ),
        ),
        "MetricsApi.put_pages_page_id_metrics_metric_id": Case(
            lambda call, w: call(_metric_changes(sp.PutPagesPageIdMetrics), PAGE, w.metric),
            lambda changed, w: changed.name == "API latency (p95)",
        ),
    }
)

# Methods not implemented yet (a JSON 4xx): none. Move a method to IN_SCOPE, with its
# expected answer, when its endpoint is written.
METRICS: dict[str, Callable[[Callable, World], Any]] = {}

TABLES = {"IN_SCOPE": IN_SCOPE, "PAGE_ACCESS": PAGE_ACCESS, "METRICS": METRICS}


@pytest.fixture
def world(request, client_for, manager_key, eager, settings):
    settings.API_RATE = "100000/m"
    return World(request, client_for, manager_key)


def assert_documented_type(answer, documented: str) -> None:
    """The answer is what the method's docstring says: None, a model, or a list of models
    (not empty: each call is set up so that there is something to list)."""
    if documented == "None":
        assert answer is None, answer
        return
    listed = re.fullmatch(r"list\[(\w+)\]", documented)
    if listed:
        model = getattr(sp, listed.group(1))
        assert isinstance(answer, list) and answer, answer
        assert all(isinstance(item, model) for item in answer), answer
    else:
        assert isinstance(answer, getattr(sp, documented)), answer


def refusal(call) -> tuple[int, str]:
    """The call fails with a JSON error: its status and message."""
    with pytest.raises(sp.rest.ApiException) as raised:
        call()
    headers = raised.value.headers or {}
    assert headers.get("Content-Type", "").startswith("application/json"), raised.value
    body = json.loads(raised.value.body)
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    return raised.value.status, body["error"]


@pytest.mark.parametrize(
    "name", sorted(CLIENT_METHODS.keys() | {name for cases in TABLES.values() for name in cases})
)
def test_every_client_method(name, world):
    assert name in CLIENT_METHODS, f"{name} is classified but the client has no such method"
    classified = [table for table, cases in TABLES.items() if name in cases]
    assert classified, f"{name} is a method of the client that no table classifies"
    assert len(classified) == 1, f"{name} is classified in {classified}: choose one"
    class_name, method = name.split(".")
    call = getattr(world.api(class_name), method)

    if name in IN_SCOPE:
        case = IN_SCOPE[name]
        for needed in case.needs:
            getattr(world, needed)
        answer = case.call(call, world)
        assert_documented_type(answer, documented_return(CLIENT_METHODS[name]))
        assert case.shows(answer, world), answer
    elif name in PAGE_ACCESS:
        status, error = refusal(lambda: PAGE_ACCESS[name](call, world))
        assert status == 404, error
        assert "audience-specific page access" in error.lower() and "not supported" in error
        # The key is still checked first, as on every management route.
        without_key = getattr(world.api(class_name, key="wrong-key"), method)
        assert refusal(lambda: PAGE_ACCESS[name](without_key, world))[0] == 401
    else:
        status, _error = refusal(lambda: METRICS[name](call, world))
        assert 400 <= status < 500
