"""A pod's public address: its slug, from the name customers know, and its page's URL.

Shared by the model (`AccountPod.get_absolute_url`), the reads, the services and the views;
it reads nothing from the database.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import slugify

from incidents.models import Component


def pod_slug(pod: Component) -> str:
    """`pod-13` for "Pod 13": the name is what customers know, so the URL follows it. A name
    with no letter or digit of the slug alphabet ("🚀", "خادم") has its public id instead."""
    return slugify(pod.name) or pod.public_id


def pod_url(pod: Component) -> str:
    return reverse("pods:pod", args=[pod_slug(pod)])
