"""`llmspell debug` as a person uses it: commands typed at its prompt, a real host behind it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

SPELL = textwrap.dedent(
    """\
    local function add(a, b)
      local s = a + b
      return s
    end
    local total = 0
    for i = 1, 3 do
      total = add(total, i)
    end
    print("total", total)
    """
)


def debug(folder: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "engines.cli.main", "debug", str(folder / "main.lua"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=folder,
    )


def test_break_step_inspect_and_continue(tmp_path):
    """A breakpoint stops at its line; next, locals, print and bt show the paused frame."""
    (tmp_path / "main.lua").write_text(SPELL)
    result = debug(
        tmp_path, "locals\np a + b\nbt\nfinish\nclear main.lua:2\nc\n", "--break", "main.lua:2"
    )
    out = result.stdout
    assert "stopped at main.lua:2 in add" in out
    assert "  a = 0\n  b = 1" in out
    assert "(llmspell) 1\n" in out
    assert "#0 add at main.lua:2" in out and "#1 main chunk at main.lua:7" in out
    assert "stopped at main.lua:6" in out  # finish: the next line that starts in the caller
    assert "total\t6" in out
    assert result.returncode == 0


def test_stop_on_entry_and_step(tmp_path):
    """Without breakpoints the spell stops on its first line; steps follow the source."""
    (tmp_path / "main.lua").write_text(SPELL)
    result = debug(tmp_path, "n\nn\nn\nq\n")
    lines = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("stopped", "(llmspell) stopped"))
    ]
    assert [line.split(" in ")[0].split("at ")[-1] for line in lines] == [
        "main.lua:4",
        "main.lua:5",
        "main.lua:6",
        "main.lua:7",
    ]


def test_uncaught_error_stops_at_the_failing_line(tmp_path):
    """An uncaught error stops where it happens, locals still visible, then ends the run with 1."""
    (tmp_path / "main.lua").write_text("local x = 41\nlocal y = nil\nprint(x + y)\n")
    result = debug(tmp_path, "c\np x\nc\n", "--break", "main.lua:1")
    assert "stopped at main.lua:3" in result.stdout
    assert "error:" in result.stdout and "arithmetic" in result.stdout
    assert "(llmspell) 41" in result.stdout
    assert result.returncode == 1
