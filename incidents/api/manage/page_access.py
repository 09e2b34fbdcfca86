"""Audience-specific page access (Statuspage's page access users and groups, and the
components and metrics they may see): not supported. This status page has one audience, the
public; there are no page access users or groups to list, create, change or delete.

Every path the Statuspage client calls for them answers, whatever the method, with 404 and
`{"error": UNSUPPORTED}`:

- 404, because the resource does not exist here: a client asking for a page access user or
  group is told so the same way as for any unknown id, which it already handles, and does not
  retry. Not 400 or 422: nothing is wrong with the request itself. Not 405: no other method
  would do better. Not 403: no key, however privileged, could be allowed it. Not 501: a server
  error would be retried by clients and counted as an outage of ours.
- The key is still checked first (the management router's authentication, then its page
  check): without a valid key the answer is 401, as for every management route, and another
  page is not found.
- The routes stay out of /api/openapi.json, which describes what is implemented.
"""

from __future__ import annotations

import inspect
import re

from ninja import Router
from ninja.errors import HttpError

UNSUPPORTED = (
    "Audience-specific page access (page access users and groups) is not supported by this "
    "status page."
)
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
# Every path of the client's PageAccessUsers, PageAccessGroups, PageAccessUserComponents,
# PageAccessUserMetrics and PageAccessGroupComponents calls, and of the components' own
# page access calls (ComponentsApi ..._page_access_users, ..._page_access_groups).
PATHS = [
    "{page_id}/page_access_users",
    "{page_id}/page_access_users/{page_access_user_id}",
    "{page_id}/page_access_users/{page_access_user_id}/components",
    "{page_id}/page_access_users/{page_access_user_id}/components/{component_id}",
    "{page_id}/page_access_users/{page_access_user_id}/metrics",
    "{page_id}/page_access_users/{page_access_user_id}/metrics/{metric_id}",
    "{page_id}/page_access_groups",
    "{page_id}/page_access_groups/{page_access_group_id}",
    "{page_id}/page_access_groups/{page_access_group_id}/components",
    "{page_id}/page_access_groups/{page_access_group_id}/components/{component_id}",
    "{page_id}/components/{component_id}/page_access_users",
    "{page_id}/components/{component_id}/page_access_groups",
]

router = Router()


def _unsupported_view(path: str):
    """A view of `path` that refuses, taking each of its ids (ninja reads the path's
    parameters from the view's signature)."""

    def unsupported(request, **ids):
        raise HttpError(404, UNSUPPORTED)

    names = re.findall(r"{(\w+)}", path)
    unsupported.__signature__ = inspect.Signature(
        [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str)
            for name in names
        ]
    )
    unsupported.__name__ = "unsupported_" + "_".join(
        part for part in path.split("/") if not part.startswith("{")
    )
    return unsupported


for _path in PATHS:
    router.api_operation(METHODS, _path, include_in_schema=False)(_unsupported_view(_path))
