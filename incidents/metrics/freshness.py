"""New data on the public pages: within a minute, without renewing them for every point.

Staff's changes to metrics are domain events (audited, and the caches listen to them). Data
points are not: a metric fed every few seconds would fill the audit log and renew every page
as often. After a commit that stored points, `data_arrived` renews the public pages at most
once a minute (the first arrival of each minute does): the page cache's content version is
replaced, and the shared caches are told to drop the pages that show components, where the
charts are (`/` and the pods' pages). So while data flows a chart is at most a minute behind,
and the last points of a flow that stops appear when the page's copy expires (five minutes).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from incidents.cache import bump_version
from incidents.worker import send_task

logger = logging.getLogger(__name__)

# The surrogate key of the pages the charts are on (incidents.cache: `/` and the pods' pages
# declare the default keys, "lists" and "components").
PURGED_KEYS = ["components"]
ONCE_PER_SECONDS = 60


def data_arrived() -> None:
    """Renews the pages that draw metrics, unless that was done earlier this minute."""
    slot = int(time.time() // ONCE_PER_SECONDS)
    try:
        first = cache.add(f"metrics:renewed:{slot}", True, 2 * ONCE_PER_SECONDS)
    except Exception as error:  # any backend; then the pages cannot be renewed either
        logger.warning("cache unavailable, metric charts not renewed: %s", error)
        return
    if not first:
        return
    bump_version()
    for url in settings.CACHE_PURGE_URLS:
        send_task("incidents.tasks.purge_shared_cache", url, PURGED_KEYS)
