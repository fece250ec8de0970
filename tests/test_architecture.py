"""The architecture's contracts: engines/ never imports Qt; the API docs match the declarations."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from engines.api.docs import render

REPO = Path(__file__).resolve().parents[1]
QT_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "qtpy", "pyqtgraph", "ide")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_under_engines_imports_qt():
    """Not one file under engines/ imports Qt (or the IDE), at any depth, even lazily."""
    offenders = []
    for path in sorted((REPO / "engines").rglob("*.py")):
        for name in _imported_modules(path):
            if name.split(".")[0] in QT_PACKAGES:
                offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert offenders == []


def test_importing_every_engine_module_loads_no_qt():
    """Importing all of engines/ in a fresh interpreter leaves Qt out of sys.modules."""
    modules = [
        ".".join(p.relative_to(REPO).with_suffix("").parts)
        for p in (REPO / "engines").rglob("*.py")
        if p.name != "__main__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{QT_PACKAGES!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_api_docs_are_current():
    """docs/api.md is exactly what the declarations generate (run `make docs` to refresh)."""
    assert (REPO / "docs" / "api.md").read_text(encoding="utf-8") == render()
