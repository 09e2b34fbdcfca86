"""The apps stand in layers: no app imports one that imports it back, none takes another
app's private names, and the core services import no app above them."""

import ast
from collections import defaultdict
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent


def _project_apps() -> list[str]:
    """The project's apps, innermost package last so that a module maps to its own app."""
    names = [c.name for c in apps.get_app_configs() if c.name.startswith("incidents")]
    return sorted(names, key=len, reverse=True)


APPS = _project_apps()


def _app_of(module: str) -> str | None:
    return next((a for a in APPS if module == a or module.startswith(a + ".")), None)


def _imports(path: Path):
    """(imported module, names) for each import of the file, relative ones resolved."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1]  # a module's package; for __init__.py, the package itself
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _edges():
    found = defaultdict(list)
    for path in (ROOT / "incidents").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        here = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        source = _app_of(here)
        for module, names in _imports(path):
            target = _app_of(module)
            if target and target != source:
                found[(source, target)].append((str(path.relative_to(ROOT)), module, names))
    return found


def test_no_two_apps_import_each_other():
    edges = _edges()
    both_ways = sorted(
        f"{a} <-> {b}: {edges[(a, b)][0][0]} and {edges[(b, a)][0][0]}"
        for a, b in edges
        if (b, a) in edges and a < b
    )
    assert both_ways == []


def test_no_app_takes_another_apps_private_names():
    private = [
        f"{where} takes {name} from {module}"
        for imports in _edges().values()
        for where, module, names in imports
        for name in names
        if name.startswith("_")
    ]
    assert private == []


def test_the_core_app_imports_no_app_above_it():
    """Notifications, the audit log and the caches come to the core's events, not the
    core to them."""
    above = sorted({target for (source, target) in _edges() if source == "incidents"})
    assert above == []
