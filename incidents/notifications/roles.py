"""This app's permissions for the staff roles defined in `incidents.roles`."""

from __future__ import annotations

from incidents.roles import INCIDENT_MANAGERS, SUPPORT_STAFF

ROLES: dict[str, set[str]] = {
    # See subscribers and notifications, review an audience and start or stop a send.
    SUPPORT_STAFF: {
        "view_subscriber",
        "view_notification",
        "view_delivery",
        "send_notification",
        "stop_notification",
    },
    # Also approve wide sends, change subscribers (bounced, unsubscribed), add, disable and
    # enable webhook subscribers, read the audit log.
    INCIDENT_MANAGERS: {
        "view_subscriber",
        "add_subscriber",
        "change_subscriber",
        "view_notification",
        "view_delivery",
        "send_notification",
        "stop_notification",
        "approve_notification",
        "view_auditlog",
    },
}


def grant_roles(apps) -> None:
    """Creates the role groups if needed and grants them the permissions above (never revokes)."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("notifications")
    if getattr(app_config, "models_module", None) is None:  # a migration's app registry
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    else:
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="notifications", codename__in=codenames
            )
        )
