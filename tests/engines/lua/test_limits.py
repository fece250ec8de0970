"""Limits end runaway spells with a message that names the limit, whatever the spell does."""

from __future__ import annotations

import pytest

MANIFEST = """\
name: bounded
engine: lua
entry: main.lua
limits:
  timeout: {timeout}
  memory: {memory}
{extra}
"""


def manifest(timeout: str = "2s", memory: str = "32MB", extra: str = "") -> str:
    return MANIFEST.format(timeout=timeout, memory=memory, extra=extra)


@pytest.mark.parametrize(
    "source",
    [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "coroutine.wrap(function() while true do end end)()",
        "local co = coroutine.create(function() while true do end end) coroutine.resume(co)",
        "local function f() return pcall(f) end while true do f() end",
    ],
    ids=[
        "loop",
        "pcall-loop",
        "xpcall-loop",
        "coroutine-wrap",
        "coroutine-resume",
        "pcall-recursion",
    ],
)
def test_endless_spells_hit_the_time_limit(run_lua, source):
    """No way of looping forever, caught errors included, outlives the time limit."""
    run = run_lua(source, manifest=manifest(timeout="0.5s"))
    assert run.result.status == "limit"
    assert run.result.exit_code == 3
    assert run.error.limit == "timeout"
    assert "time limit exceeded" in run.error.message


def test_timeout_names_the_line_the_spell_was_on(run_lua):
    """The time-limit error points at the spell's own line."""
    run = run_lua("local x = 0\n\nwhile true do x = x + 1 end\n", manifest=manifest(timeout="0.3s"))
    assert run.error.file.endswith("main.lua")
    assert run.error.line == 3


def test_sleeping_past_the_limit_is_stopped(run_lua):
    """util.sleep wakes up at the deadline instead of sleeping on."""
    run = run_lua("util.sleep(30)", manifest=manifest(timeout="0.3s"))
    assert run.error.limit == "timeout"


def test_memory_bomb_hits_the_memory_limit(run_lua):
    """Allocating past the manifest's memory limit ends the run with the memory limit."""
    run = run_lua(
        "local t = {} for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end",
        manifest=manifest(memory="16MB", timeout="20s"),
    )
    assert run.result.status == "limit"
    assert run.error.limit == "memory"
    assert "16 MB" in run.error.message


def test_one_huge_string_hits_the_memory_limit(run_lua):
    """A single giant allocation is refused as well."""
    run = run_lua("local s = string.rep('x', 1024 * 1024 * 1024)", manifest=manifest(memory="16MB"))
    assert run.error.limit == "memory"


def test_caught_memory_errors_leave_the_spell_running(run_lua):
    """A spell may catch a failed allocation and carry on, as in plain Lua."""
    run = run_lua(
        """
        local ok = pcall(string.rep, 'x', 1024 * 1024 * 1024)
        print(ok)
        """,
        manifest=manifest(memory="16MB"),
    )
    assert run.result.status == "ok", run.error
    assert run.output == "false\n"


def test_runaway_recursion_is_a_recursion_limit(run_lua):
    """Unbounded recursion ends with a stack overflow naming the recursive line."""
    run = run_lua("local function f(n) return 1 + f(n + 1) end\nprint(f(1))\n")
    assert run.result.exit_code == 3
    assert run.error.limit == "recursion"
    assert "stack overflow" in run.error.message
    assert run.error.line == 1


def test_recursion_through_the_api_is_stopped(run_lua):
    """Recursion that passes through Python callbacks ends cleanly, not with a crash."""
    run = run_lua(
        """
        local function f() return trace.with_span("s", {}, f) end
        f()
        """
    )
    assert run.result.status in ("error", "limit")
    assert "stack overflow" in run.error.message


def test_instruction_budget(run_lua):
    """An instruction budget stops a spell that computes too long."""
    run = run_lua(
        "local x = 0 for i = 1, 1e9 do x = x + i end",
        manifest=manifest(extra="  instructions: 100000"),
    )
    assert run.error.limit == "instructions"
    assert "100000" in run.error.message


def test_cli_timeout_overrides_the_manifest(run_lua):
    """The timeout given by a client wins over the manifest's."""
    run = run_lua("while true do end", manifest=manifest(timeout="60s"), timeout=0.3)
    assert run.error.limit == "timeout"
