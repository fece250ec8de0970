"""The tools-tour spell of the spellbook runs from the command line (through the engine host)
and leaves its data folder as it found it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
TOUR = REPO / "resources" / "spellbook" / "tools-tour"


def test_tools_tour_runs_from_the_cli():
    """`llmspell run resources/spellbook/tools-tour` prints the tour and exits 0."""
    before = sorted(p.name for p in (TOUR / "data").iterdir())
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-m", "engines.cli.main", "run", str(TOUR)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("builtin tools: file 7, web 2, data 7")
    assert "checked: false (arguments.qty: -1 is less than the minimum of 0)" in lines
    assert "  1. chair    270.00" in lines
    assert "total 795.80, mean 159.16, median 120.00, with 20% tax 954.96" in lines
    assert lines[-1] == "reading main.lua (outside data/): refused"
    assert "span: execute_tool stock_value" in result.stderr
    assert sorted(p.name for p in (TOUR / "data").iterdir()) == before
