"""This app's permissions for the staff roles defined in `incidents.roles`."""

from __future__ import annotations

from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

ROLES: dict[str, set[str]] = {
    # Tell a customer which pod their account is on.
    SUPPORT_STAFF: {"view_accountpod"},
    # Load and correct the mapping (admin, CSV import, management API).
    INCIDENT_MANAGERS: {
        "view_accountpod",
        "add_accountpod",
        "change_accountpod",
        "delete_accountpod",
    },
}
