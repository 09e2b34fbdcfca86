"""Purging the shared caches in front of the site (Varnish, a CDN) after each public change.

Every public answer names what it shows in its surrogate keys (`incidents.cache`:
`statuspage`, `lang-<code>`, and what its declaration says: `lists`, `components`,
`incident-<id>`). After a change commits, `purge_after` works out which keys it touched and
the worker tells each cache of `CACHE_PURGE_URLS`: `PURGE /` with the keys in `xkey-purge`
(Varnish's xkey vmod) and `Surrogate-Key` (the CDN convention). It never runs in the request:
a cache that is down or slow is retried with backoff by the worker while the publish has long
answered, and the `s-maxage` bounds how stale a page can get meanwhile.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from django.conf import settings

from .cache import SITE_KEY
from .events import Event
from .models import Component, ComponentGroup, Incident
from .models.translations import Translation, incident_of
from .worker import send_task

logger = logging.getLogger(__name__)


class PurgeFailed(Exception):
    pass


def _incident_of(target) -> Incident | None:
    """The incident whose pages `target` is shown on, if it is part of one."""
    if isinstance(target, Translation):
        return target.incident
    try:
        return incident_of(target)
    except TypeError:
        return None


def keys_of(event: Event) -> list[str]:
    """The surrogate keys of the answers `event` may have changed."""
    target = event.target
    incident = _incident_of(target)
    if incident is not None:
        keys = {f"incident-{incident.public_id}", "lists"}
        # An update that moved components changes every page that shows them.
        changed = (event.after or {}).get("components")
        if changed or incident.is_maintenance or event.action == "incident.delete":
            keys.add("components")
        return sorted(keys)
    if isinstance(target, Component | ComponentGroup):
        return ["components", "lists"]
    return [SITE_KEY]


def purge_after(event: Event) -> None:
    """The listener: asks the worker to purge the keys of a public change, once per cache."""
    if not event.public or not settings.CACHE_PURGE_URLS:
        return
    keys = keys_of(event)
    for url in settings.CACHE_PURGE_URLS:
        send_task("incidents.tasks.purge_shared_cache", url, keys)


def purge(url: str, keys: list[str]) -> None:
    """Tells the cache at `url` to drop every answer carrying one of `keys`; raises
    PurgeFailed when it could not (unreachable, slow, or it refused)."""
    request = urllib.request.Request(
        url,
        method="PURGE",
        headers={"xkey-purge": " ".join(keys), "Surrogate-Key": " ".join(keys)},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CACHE_PURGE_TIMEOUT) as answer:
            answer.read(1024)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise PurgeFailed(f"{url}: {error}") from error
