"""The Lua debug hook: native (engines/lua/native/linehook.c) where it is built, the pure-Lua
one otherwise (LLMSPELL_LUA_HOOK=lua forces it). Both must behave the same: breakpoints in
hot code with conditions, hit counts and logpoints, stepping, pause, terminate, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.api.services import Services
from engines.lua.adapter import LuaEngine
from engines.lua.linehook import HOOK_VARIABLE, native_library
from engines.runner import context_for
from engines.spell.loader import load_spell
from engines.telemetry import ListSink

HOOKS = {"native": {}, "lua": {HOOK_VARIABLE: "lua"}}
FALLBACK_WARNING = "pure-Lua line hook"

HOT = """
local calls = 0
local function fib(n)
  calls = calls + 1
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
print(fib(15), calls)
"""

SPIN = """
print("spinning")
while true do end
"""


def _engine(tmp_path: Path) -> LuaEngine:
    (tmp_path / "main.lua").write_text("print(1)\n")
    spell = load_spell(tmp_path / "main.lua")
    return LuaEngine(Services(context_for(spell, {}, [ListSink()])))


def test_the_native_hook_is_active_here(tmp_path: Path):
    """This environment builds the native hook at install time: no silent fallback."""
    path, problem = native_library()
    assert path is not None, problem
    engine = _engine(tmp_path)
    try:
        assert engine.native_hook is True, engine.native_problem
    finally:
        engine.close()


def test_the_pure_lua_hook_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """LLMSPELL_LUA_HOOK=lua keeps the pure-Lua hook, and says why."""
    monkeypatch.setenv(HOOK_VARIABLE, "lua")
    engine = _engine(tmp_path)
    try:
        assert engine.native_hook is False
        assert HOOK_VARIABLE in engine.native_problem
    finally:
        engine.close()


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    ("lines", "every_line", "seen"),
    [
        ({2}, False, [2]),
        ({1, 3}, False, [1, 3]),
        (set(), True, [1, 2, 3]),
        (set(), False, []),
        ({3, 5_000_000}, False, [3]),  # past the native bit set: Lua checks those lines
        ({2_000_000}, False, []),
        ({0, -4}, False, []),
    ],
)
def test_line_filter(tmp_path: Path, monkeypatch, hook, lines, every_line, seen):
    """Exactly the breakpoint lines (or every line) reach the debugger's line hook."""
    monkeypatch.setenv(HOOK_VARIABLE, HOOKS[hook].get(HOOK_VARIABLE, ""))
    engine = _engine(tmp_path)
    reached: list[int] = []
    try:
        # As debug.lua's line hook: only the spell's own chunks ("@file"), not the prelude's.
        wrap = engine.runtime.eval(
            "function(f) return function(line, source)"
            " if source:sub(1, 1) == '@' then f(line) end end end"
        )
        table = engine.runtime.table_from(dict.fromkeys(lines, True))
        engine.lua_engine.set_line_hook(wrap(reached.append), table, every_line)
        engine.run("local a = 1\nlocal b = a + 1\nlocal c = b + 1\n", "main.lua")
    finally:
        engine.close()
    assert reached == seen


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    "source",
    [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "coroutine.wrap(function() while true do end end)()",
    ],
)
def test_time_limit_ends_endless_loops(run_lua, monkeypatch, hook, source):
    """Both hooks end an endless loop at the time limit, through pcall and coroutines."""
    monkeypatch.setenv(HOOK_VARIABLE, HOOKS[hook].get(HOOK_VARIABLE, ""))
    run = run_lua(
        source, manifest="name: spin\nengine: lua\nentry: main.lua\nlimits:\n  timeout: 0.3s\n"
    )
    assert run.result.status == "limit" and run.error.limit == "timeout"


def _launch(host, spell, hook, source, **launch):
    return host(env=HOOKS[hook]).launch(spell(source), **launch)


def _values_at_stops(dap, expression: str) -> list[str]:
    seen = []
    while not dap._ended_or_stopped():
        seen.append(dap.evaluate(expression, "watch"))
        dap.resume()
    return seen


@pytest.mark.parametrize("hook", HOOKS)
def test_conditional_breakpoint_in_a_hot_function(host, spell, hook):
    """A condition in a recursive function stops only where it holds, with the right frames."""
    dap = _launch(host, spell, hook, HOT, breakpoints=[{"line": 4, "condition": "n == 13"}])
    dap.stopped()
    assert dap.line() == 4
    assert [name for name, _ in dap.where()][:3] == ["fib", "fib", "fib"]
    assert dap.evaluate("n") == "13"
    dap.resume()
    assert _values_at_stops(dap, "n") == ["13"]
    assert dap.exit_code() == 0
    assert dap.stdout() == "610\t1973\n"


@pytest.mark.parametrize("hook", HOOKS)
def test_hit_condition_in_a_hot_function(host, spell, hook):
    """hitCondition `%500` stops on every 500th call of the hot function."""
    dap = _launch(host, spell, hook, HOT, breakpoints=[{"line": 4, "hitCondition": "%500"}])
    assert _values_at_stops(dap, "calls") == ["500", "1000", "1500"]
    assert dap.exit_code() == 0


@pytest.mark.parametrize("hook", HOOKS)
def test_logpoint_in_a_hot_function(host, spell, hook):
    """A logpoint with a condition logs without stopping."""
    dap = _launch(
        host,
        spell,
        hook,
        HOT,
        breakpoints=[{"line": 5, "condition": "n >= 14", "logMessage": "n={n}"}],
    )
    assert dap.exit_code() == 0
    assert dap.events_named("stopped") == []
    assert [o["output"].strip() for o in dap.outputs("console") if o.get("line") == 5] == [
        "n=15",
        "n=14",
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_breakpoint_inside_a_coroutine(host, spell, hook):
    """A breakpoint in a coroutine's body stops there on each resume."""
    source = """
    local co = coroutine.wrap(function()
      for i = 1, 3 do
        coroutine.yield(i)
      end
    end)
    print(co(), co(), co())
    """
    dap = _launch(host, spell, hook, source, breakpoints=[3])
    assert _values_at_stops(dap, "i") == ["1", "2", "3"]
    assert dap.stdout() == "1\t2\t3\n"


STEPPED = """
local function add(a, b)
  return a + b
end
local total = 0
for i = 1, 2 do
  total = add(total, i)
end
print(total)
"""


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    ("command", "lines"),
    [("stepIn", [4, 5, 6, 2, 5, 6, 2, 5, 8]), ("next", [4, 5, 6, 5, 6, 5, 8])],
)
def test_stepping_is_the_same_with_either_hook(host, spell, hook, command, lines):
    """The exact sequence of stopped lines, with both hooks."""
    dap = _launch(host, spell, hook, STEPPED, breakpoints=[4])
    dap.stopped()
    assert dap.stop_lines(command) == lines


@pytest.mark.parametrize("hook", HOOKS)
def test_pause_and_terminate_an_endless_loop_with_line_hooks_on(host, spell, hook):
    """With a breakpoint elsewhere (line events hooked), pause stops `while true do end`,
    continue resumes it, terminate ends it. (The pure-Lua hook once lost every count event
    of this loop: its cycle, the loop's jump plus the hook's own instructions, divided the
    check interval.)"""
    dap = _launch(host, spell, hook, SPIN, breakpoints=[1], limits={"timeout": 30})
    assert dap.stopped()["reason"] == "breakpoint"
    dap.resume()
    while dap.wait_event("output").get("category") != "stdout":
        pass  # the fallback's warning comes first
    dap("pause", threadId=1)
    assert dap.stopped(2)["reason"] == "pause"
    assert dap.line() == 2
    dap.resume()
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert dap.records_of("run.end")[0]["status"] == "terminated"


@pytest.mark.parametrize("hook", HOOKS)
def test_time_limit_with_line_hooks_on(host, spell, hook):
    """A debugged run with a breakpoint elsewhere still ends at its time limit."""
    dap = _launch(host, spell, hook, "local x = 0\nwhile true do x = x + 1 end\nprint(x)\n",
                  breakpoints=[3], limits={"timeout": 0.5})  # fmt: skip
    assert dap.exit_code(5) == 3
    end = dap.records_of("run.end")[0]
    assert end["status"] == "limit" and end["error"]["limit"] == "timeout"


@pytest.mark.parametrize("hook", HOOKS)
def test_the_fallback_says_so(host, spell, hook):
    """A debugged run warns once when it runs on the pure-Lua hook, never otherwise."""
    dap = _launch(host, spell, hook, "print(1)\n")
    assert dap.exit_code() == 0
    warnings = [r for r in dap.records_of("log") if FALLBACK_WARNING in r["message"]]
    assert len(warnings) == (1 if hook == "lua" else 0)
