"""The staff roles and their permissions.

Migration 0002 creates them, and every `migrate` (post_migrate) brings them up to date, so a
permission added by a later model reaches the roles without a data migration of its own.
"""

from __future__ import annotations

SUPPORT_STAFF = "Support staff"
INCIDENT_MANAGERS = "Incident managers"

MODELS = (
    "componentgroup",
    "component",
    "incident",
    "incidentupdate",
    "maintenance",
    "postmortem",
    "remediationitem",
    "incidenttemplate",
    "translation",
)

ROLES: dict[str, set[str]] = {
    # Open incidents, post updates, change component status; read everything else.
    SUPPORT_STAFF: {
        *(f"view_{model}" for model in MODELS),
        "set_component_status",
        "add_incident",
        "add_incidentupdate",
        # Draft postmortems (publishing is for managers).
        "add_postmortem",
        "change_postmortem",
        "add_remediationitem",
        "change_remediationitem",
        "delete_remediationitem",
        # Translate, and review machine translations.
        "add_translation",
        "change_translation",
        "delete_translation",
        "view_page",
    },
    # Also edit published text, manage components, maintenance and templates, publish
    # postmortems, delete.
    INCIDENT_MANAGERS: {
        *(
            f"{action}_{model}"
            for model in MODELS
            for action in ("view", "add", "change", "delete")
        ),
        "set_component_status",
        "publish_postmortem",
        # The page's settings: name, colours, the banner.
        "view_page",
        "change_page",
    },
}


def grant(apps, app_label: str, roles: dict[str, set[str]]) -> None:
    """Creates the role groups if needed and grants them `app_label`'s permissions named in
    `roles` (never revokes). Each app with models keeps its own `ROLES` and calls this."""
    from django.contrib.auth.management import create_permissions

    try:
        app_config = apps.get_app_config(app_label)
    except LookupError:  # after a partial migrate the app is not in the historical registry
        return
    if getattr(app_config, "models_module", None) is None:  # a migration's app registry
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    else:
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def grant_after_migrate(config) -> None:
    """Grants the roles the permissions that app `config`'s `roles.ROLES` names, after every
    `migrate` (called from its AppConfig.ready())."""
    from importlib import import_module

    from django.db.models.signals import post_migrate

    def receiver(sender, apps=None, **kwargs):
        from django.apps import apps as global_apps

        grant(apps or global_apps, config.label, import_module(f"{config.name}.roles").ROLES)

    post_migrate.connect(receiver, sender=config, weak=False, dispatch_uid=f"roles.{config.label}")


def sync_roles(apps) -> None:
    """The roles' permissions on this app's models."""
    grant(apps, "incidents", ROLES)
