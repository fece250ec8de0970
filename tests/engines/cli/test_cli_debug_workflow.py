"""`llmspell debug` through a workflow: step breakpoints from the command line and the
prompt, the state a step receives, editing it, skipping a step, stepping over one and
running it again."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.engines.cli.test_cli_debug import debug

SPELL = textwrap.dedent(
    """\
    local id = workflow.sequential{name = "w", steps = {
      {name = "first", fn = function(s) print("first ran"); return {a = s.start + 1} end},
      {name = "second", fn = function(s) print("second ran"); return {b = (s.a or 0) * 10} end},
    }}
    print(json.encode(workflow.run(id, {start = 1})))
    """
)


def test_break_step_name_state_set_and_skip(tmp_path: Path) -> None:
    (tmp_path / "main.lua").write_text(SPELL)
    result = debug(tmp_path, "state\nset start 4\nc\nskip\n", "--break", "step:first",
                   "--break", "step:second")  # fmt: skip
    out = result.stdout
    assert "stopped before step w/first (function)" in out
    assert '  state: {"start": 1}' in out
    assert "  start = 1" in out  # the state command
    assert "  start = 4" in out  # set
    assert "first ran" in out
    assert "stopped before step w/second (function)" in out
    assert '"a": 5' in out
    assert "second ran" not in out
    assert result.returncode == 0, result.stderr


def test_break_command_next_and_rerun(tmp_path: Path) -> None:
    (tmp_path / "main.lua").write_text(SPELL)
    # Stopped on entry: set a step breakpoint at the prompt, continue to it, step over the
    # step (a stop after it), run it again, then go on.
    result = debug(tmp_path, "break step:first\nc\nn\nrerun\nc\n")
    out = result.stdout
    assert "function breakpoint step:first" in out
    assert "stopped before step w/first (function)" in out
    assert out.count("stopped after step w/first (function)") == 2
    assert '  output: {"start": 1, "a": 2}' in out
    assert out.count("first ran") == 2
    assert "second ran" in out
    assert result.returncode == 0, result.stderr
