"""The studio speaks to engines only through the protocol: an AST scan of ide/ for engine
imports beyond the allowed list, and a fresh interpreter proving that importing the app
pulls in no engine runtime (lupa, litellm, mini-racer)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALLOWED = (
    "engines.host.protocol",
    "engines.host.client",
    "engines.telemetry",
    "engines.api.declarations",
    "engines.spell",
    "engines.store",
)


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


def _engine_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            if node.module == "engines" or node.module in ("engines.host", "engines.api"):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [n for n in names if n == "engines" or n.startswith("engines.")]
    return found


def test_ide_imports_only_the_protocol_side_of_engines() -> None:
    offenders = []
    for path in sorted((REPO / "ide").rglob("*.py")):
        for module in _engine_imports(path):
            if not _allowed(module):
                offenders.append(f"{path.relative_to(REPO)}: {module}")
    assert offenders == []


def test_importing_the_app_loads_no_engine_runtime() -> None:
    code = (
        "import sys, ide.app; "
        "heavy = [m for m in ('lupa', 'litellm', 'py_mini_racer', 'mini_racer') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
