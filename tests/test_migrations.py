"""The migrations: self-contained (no live project code), squashed without changing what they
make, and the staff roles a migrated database holds."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader

BASE_DIR = Path(settings.BASE_DIR)
# The project's own top-level packages (incidents, statuspage, tests): what a migration must
# not run.
PROJECT_PACKAGES = frozenset(p.parent.name for p in BASE_DIR.glob("*/__init__.py"))

# The migrations that create the staff roles, each with its own frozen copy of them.
ROLE_MIGRATIONS = [
    "incidents.migrations.0002_staff_groups",
    "incidents.migrations.0001_squashed_0006_impact_override",
]


def _project_apps():
    return [
        app
        for app in global_apps.get_app_configs()
        if app.name.partition(".")[0] in PROJECT_PACKAGES
    ]


def _migration_files() -> list[Path]:
    files = []
    for app in _project_apps():
        module, _ = MigrationLoader.migrations_module(app.label)
        spec = importlib.util.find_spec(module) if module else None
        if spec is not None and spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                files.extend(sorted(Path(location).glob("*.py")))
    return files


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def live_code_problems(source: str) -> list[str]:
    """What in a migration's source uses live project code.

    Allowed, because Django needs them importable to rebuild the historical models: a custom
    field class (a `models.Field` subclass, called in a field definition) and a callable
    `default=`, each referenced by its full path. Anything else from the project (an import
    of a function, its roles, choices, services; a relative import; importing by name) is a
    problem: a migration must do the same whatever the live code says later."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    problems = []
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").partition(".")[0] in PROJECT_PACKAGES:
                problems.append(f"line {node.lineno}: from {'.' * node.level}{node.module} import")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] in PROJECT_PACKAGES:
                    if alias.asname:
                        problems.append(
                            f"line {node.lineno}: import {alias.name} as {alias.asname}"
                        )
                    imported.add(alias.name.partition(".")[0])
        elif isinstance(node, ast.Call) and _dotted(node.func) in {
            "__import__",
            "import_module",
            "importlib.import_module",
        }:
            problems.append(f"line {node.lineno}: imports by name")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id in imported):
            continue
        # The longest attribute chain this name starts: incidents.models.base.PublicIdField.
        top = node
        while isinstance(parents.get(top), ast.Attribute):
            top = parents[top]
        dotted = _dotted(top)
        parent = parents.get(top)
        try:
            target = _resolve(dotted)
        except (ImportError, AttributeError, ValueError):
            problems.append(f"line {node.lineno}: {dotted} (not importable)")
            continue
        is_field_class = (
            isinstance(parent, ast.Call)
            and parent.func is top
            and isinstance(target, type)
            and issubclass(target, models.Field)
        )
        is_default = (
            isinstance(parent, ast.keyword)
            and parent.arg == "default"
            and inspect.isfunction(target)
        )
        if not (is_field_class or is_default):
            problems.append(f"line {node.lineno}: {dotted}")
    return problems


def test_the_migrations_of_every_project_app_are_checked():
    files = {str(path.relative_to(BASE_DIR)) for path in _migration_files()}
    assert "incidents/migrations/0001_squashed_0006_impact_override.py" in files
    assert "incidents/notifications/migrations/0001_squashed_0002_webhook_subscribers.py" in files
    assert "incidents/pods/migrations/0001_initial.py" in files
    assert "incidents/api/migrations/0001_initial.py" in files


@pytest.mark.parametrize(
    "path", _migration_files(), ids=lambda path: str(path.relative_to(BASE_DIR))
)
def test_no_migration_runs_live_project_code(path):
    assert live_code_problems(path.read_text()) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("def f(apps, schema_editor):\n    from incidents.roles import sync_roles\n", True),
        ("from incidents.notifications.models import SubscriberState\n", True),
        ("from ..roles import ROLES\n", True),
        ("import incidents.roles\nx = incidents.roles.ROLES\n", True),
        ("import incidents.models.base\nx = incidents.models.base.new_public_id()\n", True),
        ("import incidents.models.base as b\n", True),
        ("import importlib\nimportlib.import_module('incidents.roles')\n", True),
        (
            "import incidents.models.base\nf = incidents.models.base.PublicIdField(unique=True)\n",
            False,
        ),
        (
            "import incidents.models.base\nf = F(default=incidents.models.base.new_public_id)\n",
            False,
        ),
        ("from django.db import migrations, models\n", False),
    ],
)
def test_the_check_finds_live_project_code(source, found):
    assert bool(live_code_problems(source)) is found


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    """Squashed or not, the migrations make exactly the models (no migration missing)."""
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def test_the_squashed_migrations_replace_the_originals():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    assert ("incidents", "0001_squashed_0006_impact_override") in graph.nodes
    assert ("notifications", "0001_squashed_0002_webhook_subscribers") in graph.nodes
    assert ("incidents", "0002_staff_groups") not in graph.nodes
    # Whatever depended on a replaced migration now depends on its replacement.
    for key in graph.nodes:
        for parent in graph.node_map[key].parents:
            assert parent.key in graph.nodes


def _historical_apps(module_name: str):
    """The app registry a role migration's RunPython step runs with."""
    module = importlib.import_module(module_name)
    app_label, name = module_name.split(".")[0], module_name.rpartition(".")[2]
    migration = module.Migration(name, app_label)
    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    state = loader.project_state((app_label, name), at_end=False)
    for operation in migration.operations:
        if getattr(operation, "code", None) is module.create_roles:
            break
        operation.state_forwards(app_label, state)
    else:
        raise AssertionError(f"{module_name} has no create_roles step")
    return module, state.apps


@pytest.mark.parametrize("module_name", ROLE_MIGRATIONS)
def test_the_frozen_permissions_are_those_of_the_historical_models(module_name):
    """The permissions a role migration creates are named as Django names them for the
    models of its time, so the post_migrate sync neither duplicates nor renames one."""
    module, apps = _historical_apps(module_name)
    expected = set()
    for model in apps.get_app_config("incidents").get_models():
        opts = model._meta
        for action in opts.default_permissions:
            expected.add(
                (
                    opts.model_name,
                    f"{action}_{opts.model_name}",
                    f"Can {action} {opts.verbose_name_raw}",
                )
            )
        expected.update((opts.model_name, codename, name) for codename, name in opts.permissions)
    assert set(module.PERMISSIONS) == expected
    codenames = {codename for _, codename, _ in module.PERMISSIONS}
    for role_codenames in module.ROLES.values():
        assert set(role_codenames) <= codenames


def test_the_squashed_migration_holds_the_same_frozen_roles():
    original, squashed = (importlib.import_module(name) for name in ROLE_MIGRATIONS)
    assert squashed.PERMISSIONS == original.PERMISSIONS
    assert squashed.ROLES == original.ROLES
    for function in ("create_roles", "remove_roles"):
        assert inspect.getsource(getattr(squashed, function)) == inspect.getsource(
            getattr(original, function)
        )


@pytest.mark.django_db
@pytest.mark.parametrize("module_name", ROLE_MIGRATIONS)
def test_a_role_migration_grants_its_frozen_roles(module_name):
    module, apps = _historical_apps(module_name)
    Group.objects.filter(name__in=module.ROLES).delete()
    module.create_roles(apps, SimpleNamespace(connection=connection))
    for role, codenames in module.ROLES.items():
        granted = Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
        assert set(granted) == {("incidents", codename) for codename in codenames}
    module.remove_roles(apps, SimpleNamespace(connection=connection))
    assert not Group.objects.filter(name__in=module.ROLES).exists()


def _live_roles() -> dict[str, set[tuple[str, str]]]:
    """What the live role definitions (each project app's `roles.ROLES`) grant."""
    roles: dict[str, set[tuple[str, str]]] = {}
    for app in _project_apps():
        try:
            module = importlib.import_module(f"{app.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, codenames in getattr(module, "ROLES", {}).items():
            roles.setdefault(role, set()).update((app.label, codename) for codename in codenames)
    return roles


@pytest.mark.django_db
def test_after_migrate_the_staff_roles_hold_what_the_live_roles_say():
    expected = _live_roles()
    assert set(expected) == {"Support staff", "Incident managers"}
    for role, permissions in expected.items():
        granted = Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
        assert set(granted) == permissions, role


# Run in a child process against a new SQLite file: migrates it with the original (replaced)
# migrations or as a new database would, then prints what the database holds.
_MIGRATE_AND_DESCRIBE = r"""
import json, sys
import django
django.setup()
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

out = {}
if sys.argv[1] == "originals":
    executor = MigrationExecutor(connection)
    executor.loader = MigrationLoader(connection, replace_migrations=False)
    graph = executor.loader.graph
    executor.migrate([key for key in graph.leaf_nodes() if not graph.nodes[key].replaces])
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    out["left_to_apply"] = [str(migration) for migration, _ in plan]
call_command("migrate", interactive=False, verbosity=0)
loader = MigrationLoader(connection)
unapplied = set(loader.graph.nodes) - set(loader.applied_migrations)
out["unapplied"] = sorted(f"{app}.{name}" for app, name in unapplied)

def definitions(sql):
    body, depth, part, parts = sql[sql.index("(") + 1 : sql.rindex(")")], 0, "", []
    for char in body:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(part.strip())
            part = ""
        else:
            part += char
    return sorted([*parts, part.strip()])

with connection.cursor() as cursor:
    cursor.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    # Tables as the set of their column and constraint definitions (a squash may order columns
    # differently), indexes as written.
    out["schema"] = {
        name: definitions(sql) if kind == "table" else sql for kind, name, sql in cursor.fetchall()
    }
out["content_types"] = sorted(f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all())
out["permissions"] = sorted(
    f"{p.content_type.app_label}.{p.codename}: {p.name}"
    for p in Permission.objects.select_related("content_type")
)
out["roles"] = {
    group.name: sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    )
    for group in Group.objects.all()
}
print(json.dumps(out))
"""


def _migrate_and_describe(how: str, tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "statuspage.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / how}.sqlite3",
        "VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-c", _MIGRATE_AND_DESCRIBE, how],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_squashed_migrations_make_what_the_originals_made(tmp_path):
    """A database made by the original migrations has nothing left to apply and counts the
    squashed ones as applied; a new database, made by the squashed ones, is the same: the
    same tables, constraints and indexes, and the same roles and permissions."""
    originals = _migrate_and_describe("originals", tmp_path)
    fresh = _migrate_and_describe("fresh", tmp_path)
    assert originals.pop("left_to_apply") == []
    assert originals["unapplied"] == fresh["unapplied"] == []
    assert set(fresh["roles"]) == {"Support staff", "Incident managers"}
    assert originals == fresh
