"""The house rules that code review alone would let slip."""

import ast
from pathlib import Path

from django.apps import apps

from collaboratives.scoping import ScopedQuerySet

ROOT = Path(__file__).resolve().parents[1]
APPS_IN_IMPORT_ORDER = ["collaboratives", "measures", "pdsa", "worksheets"]  # each may import only leftwards


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_every_project_model_is_scoped_by_visible_to():
    unscoped = [
        model.__name__
        for app in APPS_IN_IMPORT_ORDER
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        and not isinstance(model._default_manager.all(), ScopedQuerySet)
    ]
    assert unscoped == []


def test_the_run_chart_engine_imports_nothing_from_django_or_the_apps():
    engine_files = list((ROOT / "measures" / "runchart").glob("*.py"))
    assert engine_files
    offending = {
        f"{path.name}: {name}"
        for path in engine_files
        for name in _imports(path)
        if name.split(".")[0] in {"django", "rest_framework", "celery", *APPS_IN_IMPORT_ORDER}
        and not name.startswith("measures.runchart")
    }
    assert offending == set()


def test_apps_import_one_way_worksheets_pdsa_measures_collaboratives():
    offending = []
    for position, app in enumerate(APPS_IN_IMPORT_ORDER):
        later = set(APPS_IN_IMPORT_ORDER[position + 1 :])
        for path in (ROOT / app).rglob("*.py"):
            offending += [
                f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path) if n.split(".")[0] in later
            ]
    assert offending == []
