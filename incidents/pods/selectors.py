"""Reads for "my status": which components are pods, the pod a slug names, and what a pod's readers
see.

The rule (also in the README): components of the group named by the STATUS_POD_GROUP setting
are pods; every other component is a product, which runs on every pod. A pod's page shows the
pod and the products, and an incident or maintenance when it

- affects that pod, or
- affects no pod at all (only products, or no component).

One that affects only other pods is left out, even when it also touches a product.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet, prefetch_related_objects

from incidents import selectors
from incidents.localize import current_language
from incidents.models import Component, Incident, IncidentComponent
from incidents.viewmodels import StatusPage

from .links import pod_slug
from .models import AccountPod


def pods() -> QuerySet[Component]:
    """The pods, in the order the status page lists them."""
    return Component.objects.select_related("group").filter(group__name=settings.STATUS_POD_GROUP)


def is_pod(component: Component) -> bool:
    return component.group_id is not None and component.group.name == settings.STATUS_POD_GROUP


def pod_by_slug(slug: str) -> Component | None:
    """The pod whose name gives `slug` (the first by position, should two names clash)."""
    return next((pod for pod in pods() if pod_slug(pod) == slug), None)


def account_pod(identifier: str) -> Component | None:
    """The pod of a normalized identifier, if it is mapped to a component that is a pod.

    Always one query, whatever the identifier, so that a miss costs what a hit costs.
    """
    found = AccountPod.objects.select_related("pod__group").filter(identifier=identifier).first()
    if found is None or not is_pod(found.pod):
        return None
    return found.pod


@dataclass(frozen=True)
class Scope:
    """What a reader of one component, or of one pod, is shown."""

    component: Component
    is_pod: bool

    def components(self) -> QuerySet[Component]:
        if not self.is_pod:
            return Component.objects.filter(pk=self.component.pk)
        # Ungrouped components are products too: the negation keeps a NULL group.
        return Component.objects.filter(
            Q(pk=self.component.pk) | ~Q(group__name=settings.STATUS_POD_GROUP)
        )

    def incidents(self, queryset):
        """`queryset` (incidents and maintenance) narrowed to those this reader is shown."""
        touching = IncidentComponent.objects.values("incident")
        mine = Q(pk__in=touching.filter(component=self.component))
        if not self.is_pod:
            return queryset.filter(mine)
        any_pod = touching.filter(component__group__name=settings.STATUS_POD_GROUP)
        return queryset.filter(mine | ~Q(pk__in=any_pod))


def scope(component: Component) -> Scope:
    return Scope(component, is_pod(component))


@dataclass
class PodPage:
    pod: Component
    page: StatusPage

    @property
    def subscribe_components(self) -> list[Component]:
        """The components the page lists: what its subscribe form follows."""
        return [c for view in self.page.groups for c in view.components]


def pod_page(pod: Component) -> PodPage:
    """Everything `/pods/<slug>/` shows, in the status page's fixed number of queries.

    The page names the pod in the reader's language: its `pod` is the pod as the status page
    loaded it, with its translations prefetched beside the other components'. A pod the page
    does not list (not on show, or hidden while operational) has its own prefetched.
    """
    found = scope(pod)
    page = selectors.status_page(
        components=found.components(), incidents=found.incidents(Incident.objects.all())
    )
    listed = next((c for view in page.groups for c in view.components if c.pk == pod.pk), None)
    if listed is None:
        listed = pod
        if current_language() != settings.LANGUAGE_CODE:
            prefetch_related_objects([pod], "translations")
    return PodPage(pod=listed, page=page)
