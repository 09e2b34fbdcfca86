"""Creates the staff roles ("Support staff", "Incident managers") with their permissions.

What it grants is a frozen copy of the roles as they stood when this migration was written,
on the models of 0001, so it does the same whatever `incidents.roles` says later. The
permissions of later models and later role changes reach the roles after every `migrate`
(a post_migrate handler syncs them with the live definitions, see `incidents.apps`).
"""

from django.db import migrations

SUPPORT_STAFF = "Support staff"
INCIDENT_MANAGERS = "Incident managers"

# (model, codename, name) of every permission of the models of 0001: their default
# permissions and Component's Meta.permissions, named as Django names them.
PERMISSIONS = (
    ("componentgroup", "add_componentgroup", "Can add component group"),
    ("componentgroup", "change_componentgroup", "Can change component group"),
    ("componentgroup", "delete_componentgroup", "Can delete component group"),
    ("componentgroup", "view_componentgroup", "Can view component group"),
    ("component", "add_component", "Can add component"),
    ("component", "change_component", "Can change component"),
    ("component", "delete_component", "Can delete component"),
    ("component", "view_component", "Can view component"),
    ("component", "set_component_status", "Can change a component's status"),
    ("incident", "add_incident", "Can add incident"),
    ("incident", "change_incident", "Can change incident"),
    ("incident", "delete_incident", "Can delete incident"),
    ("incident", "view_incident", "Can view incident"),
    ("incidentupdate", "add_incidentupdate", "Can add incident update"),
    ("incidentupdate", "change_incidentupdate", "Can change incident update"),
    ("incidentupdate", "delete_incidentupdate", "Can delete incident update"),
    ("incidentupdate", "view_incidentupdate", "Can view incident update"),
    ("incidentcomponent", "add_incidentcomponent", "Can add affected component"),
    ("incidentcomponent", "change_incidentcomponent", "Can change affected component"),
    ("incidentcomponent", "delete_incidentcomponent", "Can delete affected component"),
    ("incidentcomponent", "view_incidentcomponent", "Can view affected component"),
    ("updatecomponentchange", "add_updatecomponentchange", "Can add component change"),
    ("updatecomponentchange", "change_updatecomponentchange", "Can change component change"),
    ("updatecomponentchange", "delete_updatecomponentchange", "Can delete component change"),
    ("updatecomponentchange", "view_updatecomponentchange", "Can view component change"),
)

ROLES = {
    # Open incidents, post updates, change component status; read everything else.
    SUPPORT_STAFF: (
        "view_componentgroup",
        "view_component",
        "view_incident",
        "view_incidentupdate",
        "set_component_status",
        "add_incident",
        "add_incidentupdate",
    ),
    # Also edit published text, manage components, delete.
    INCIDENT_MANAGERS: (
        "add_componentgroup",
        "change_componentgroup",
        "delete_componentgroup",
        "view_componentgroup",
        "add_component",
        "change_component",
        "delete_component",
        "view_component",
        "set_component_status",
        "add_incident",
        "change_incident",
        "delete_incident",
        "view_incident",
        "add_incidentupdate",
        "change_incidentupdate",
        "delete_incidentupdate",
        "view_incidentupdate",
    ),
}


def create_roles(apps, schema_editor):
    """Creates the content types and permissions of the models of 0001 where missing (a new
    database has none yet), then the roles, granting them their permissions (never
    revokes)."""
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = {}
    for model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.using(db).get_or_create(
            app_label="incidents", model=model
        )
        permissions[codename], _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for role, codenames in ROLES.items():
        group, _ = Group.objects.using(db).get_or_create(name=role)
        group.permissions.add(*(permissions[codename] for codename in codenames))


def remove_roles(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
