"""Apps import downward only (DESIGN.md §10): the pairs of apps that import each other are the known ones, and the
list only shrinks. A new cycle fails here; so does a removed one left in the list (take it out)."""

from __future__ import annotations

import re
from pathlib import Path

import bottomline

IMPORT = re.compile(r"^\s*(?:from|import)\s+bottomline\.(\w+)", re.MULTILINE)

# Still to break, each in its own change; never add to this list.
KNOWN = {
    ("accounts", "audit"),
    ("accounts", "regions"),
    ("engine", "registry"),
    ("jobs", "regions"),
}


def app_imports(root: Path) -> dict[str, set[str]]:
    """Each app's imports of other apps, from its modules outside tests and migrations."""
    apps = {path.name for path in root.iterdir() if (path / "__init__.py").exists()}
    graph: dict[str, set[str]] = {app: set() for app in apps}
    for app in apps:
        for module in (root / app).rglob("*.py"):
            if {"tests", "migrations"} & set(module.relative_to(root).parts):
                continue
            graph[app] |= {
                name for name in IMPORT.findall(module.read_text()) if name in apps and name != app
            }
    return graph


def mutual_pairs(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a in graph for b in graph[a] if a < b and a in graph[b]}


def test_the_apps_that_import_each_other_are_only_the_known_pairs() -> None:
    pairs = mutual_pairs(app_imports(Path(bottomline.__file__).parent))
    assert pairs - KNOWN == set(), "a new import cycle between apps"
    assert KNOWN - pairs == set(), "a cycle is gone: take it out of KNOWN"


def test_a_mutual_import_is_found(tmp_path: Path) -> None:
    for app, imports in {"low": "", "high": "from bottomline.low import x\n"}.items():
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
        (tmp_path / app / "m.py").write_text(imports)
    assert mutual_pairs(app_imports(tmp_path)) == set()
    (tmp_path / "low" / "n.py").write_text("def f():\n    from bottomline.high import y\n")
    assert mutual_pairs(app_imports(tmp_path)) == {("high", "low")}
