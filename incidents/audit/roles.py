"""This app's permissions for the staff roles defined in `incidents.roles`."""

from __future__ import annotations

from incidents.roles import INCIDENT_MANAGERS

# Incident managers read the audit log; nobody changes it.
ROLES: dict[str, set[str]] = {INCIDENT_MANAGERS: {"view_auditlog"}}
