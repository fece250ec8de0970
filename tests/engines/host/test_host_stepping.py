"""Exact stepping over DAP where only Lua has it: coroutines (resume, yield, wrap) and pcall.
The stepping every engine shares is in test_host_engines_debug.py (its Lua spells and
expected stops in scenarios.py).

Lua reports a line when the line changes or the code jumps back, so a `for` line is seen
again at each iteration (its loop test), a `local function f ... end` statement is seen at its
`end` line (where Lua places the closure), a call statement is not seen again after the call
returns into it, and a function without a `return` is seen at its `end` line.
Expected stops are written as (line, depth): depth counts the spell's frames on the stack,
across coroutines.
"""

from __future__ import annotations

from tests.engines.host.languages import LUA
from tests.engines.host.scenarios import here, start, step, trace

COROUTINE = """
local co = coroutine.create(function(a)
  local b = coroutine.yield(a + 1)
  return b * 2
end)
local ok, v = coroutine.resume(co, 1)
local ok2, w = coroutine.resume(co, v)
print(v, w)
"""

WRAP = """
local gen = coroutine.wrap(function()
  for i = 1, 2 do
    coroutine.yield(i)
  end
end)
local a = gen()
local b = gen()
print(a, b)
"""


def test_step_in_through_coroutine_resume_and_yield(host, spell):
    """stepIn follows resume into the coroutine, yield back to the caller, and resume again."""
    dap = start(host, spell(COROUTINE))
    assert trace(dap, "stepIn") == [
        (1, 1), (4, 1), (1, 1),  # coroutine.create(function ... end): closure at `end`
        (5, 1), (2, 2),          # resume → the coroutine body (its frames are counted)
        (6, 1), (3, 2),          # yield → back in main; resume → after the yield
        (7, 1),
    ]  # fmt: skip
    assert dap.stdout() == "2\t4\n"


def test_step_over_a_coroutine_resume(host, spell):
    """next over coroutine.resume does not stop inside the coroutine."""
    dap = start(host, spell(COROUTINE))
    assert [line for line, _ in trace(dap, "next")] == [1, 4, 1, 5, 6, 7]


def test_step_out_of_a_coroutine_returns_to_the_resumer(host, spell):
    """stepOut inside a coroutine stops in the thread that resumed it."""
    dap = start(host, spell(COROUTINE))
    for _ in range(4):
        step(dap, "stepIn")
    assert here(dap) == (2, 2)
    assert step(dap, "stepOut") == (6, 1)


def test_step_in_through_coroutine_wrap(host, spell):
    """stepIn through a generator made by coroutine.wrap, including its loop."""
    dap = start(host, spell(WRAP))
    assert trace(dap, "stepIn") == [
        (1, 1), (5, 1), (1, 1),
        (6, 1), (2, 2), (3, 2),
        (7, 1), (2, 2), (3, 2),
        (8, 1),
    ]  # fmt: skip
    assert dap.stdout() == "1\t2\n"


def test_step_through_a_pcalled_error(host, spell):
    """stepIn enters pcall's function; its error goes back to the line after the pcall."""
    dap = start(host, spell(LUA.errors))
    assert step(dap, "stepIn") == (4, 1)
    assert step(dap, "stepIn") == (2, 2)
    assert step(dap, "stepIn") == (5, 1)
    assert dap.locals() == {
        "boom": "function (main.lua:1)",
        "ok": "false",
        "err": '"main.lua:2: bad"',
    }
