"""This app's permissions for the staff roles defined in `incidents.roles`."""

from __future__ import annotations

from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

ROLES: dict[str, set[str]] = {
    # See which integrations exist, when each last spoke and what it last sent wrong.
    SUPPORT_STAFF: {"view_integration", "view_alertstate"},
    # Add, change, rotate and delete them.
    INCIDENT_MANAGERS: {
        "view_integration",
        "add_integration",
        "change_integration",
        "delete_integration",
        "view_alertstate",
    },
}
