"""The staff side, one module per concept. Every save and delete here calls a service; none
writes models itself.

`admin.autodiscover()` imports this package; importing the modules registers their admins.
"""

from __future__ import annotations

from . import components, incidents, maintenance, page, postmortems, templates, translations

__all__ = [
    "components",
    "incidents",
    "maintenance",
    "page",
    "postmortems",
    "templates",
    "translations",
]
