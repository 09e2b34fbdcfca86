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


def grant_roles(apps) -> None:
    """Creates the role groups if needed and grants them the permissions above (never revokes)."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("pods")
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
            *Permission.objects.filter(content_type__app_label="pods", codename__in=codenames)
        )
