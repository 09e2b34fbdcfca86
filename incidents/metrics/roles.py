"""This app's permissions for the staff roles defined in `incidents.roles`."""

from __future__ import annotations

from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

ROLES: dict[str, set[str]] = {
    # See what is measured, and why a Prometheus poll fails.
    SUPPORT_STAFF: {"view_metricprovider", "view_metric"},
    # Set metrics up, push their data (the management API's keys) and reset it.
    INCIDENT_MANAGERS: {
        *(
            f"{action}_{model}"
            for model in ("metricprovider", "metric")
            for action in ("view", "add", "change", "delete")
        ),
        "add_metricpoint",
        "delete_metricpoint",
    },
}
