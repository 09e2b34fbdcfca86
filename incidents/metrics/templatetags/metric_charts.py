"""`{% metric_board component as board %}`: the charts a page's metrics block draws, loaded by
the block itself (`metrics/_metrics.html`) in a fixed number of queries, so that a page shows
its metrics with one `{% include %}` and nothing from its view."""

from __future__ import annotations

from django import template

from incidents.models import Component

from .. import selectors

register = template.Library()


@register.simple_tag
def metric_board(component=None):
    """Every shown metric's charts; with a component (a pod's page), that component's. An
    unset template variable ("" on the status page) is no component."""
    return selectors.metric_board(component if isinstance(component, Component) else None)
