"""Exact stepping over DAP: the lines a step stops at, written by hand from the source.

Lua reports a line when the line changes or the code jumps back, so a `for` line is seen
again at each iteration (its loop test), a `local function f ... end` statement is seen at its
`end` line (where Lua places the closure), a call statement is not seen again after the call
returns into it, and a function without a `return` is seen at its `end` line.
Expected stops are written as (line, depth): depth counts the spell's frames on the stack,
across coroutines.
"""

from __future__ import annotations

LOOP = """
local sum = 0
for i = 1, 3 do
  sum = sum + i
end
print(sum)
"""

ADD = """
local function add(a, b)
  local s = a + b
  return s
end
local x = add(1, 2)
local y = add(x, 3)
print(x, y)
"""

FIB = """
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
print(fib(3))
"""

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

EVENTS = """
local seen = 0
events.subscribe("ping", function(kind, data)
  seen = seen + data.n
end)
events.publish("ping", {n = 2})
print(seen)
"""

ERRORS = """
local function boom()
  error("bad")
end
local ok, err = pcall(boom)
print(ok)
boom()
print("never")
"""


def _start(host, spell, source, **launch):
    dap = host().launch(spell(source), stopOnEntry=True, **launch)
    assert dap.stopped()["reason"] == "entry"
    return dap


def _here(dap) -> tuple[int, int]:
    frames = dap.frames()
    return frames[0]["line"], len(frames)


def _trace(dap, command: str) -> list[tuple[int, int]]:
    """(line, depth) of every stop while repeating `command` until the run ends."""
    stops = [_here(dap)]
    while True:
        dap(command, threadId=1)
        if dap._ended_or_stopped():
            return stops
        stops.append(_here(dap))


def _step(dap, command: str) -> tuple[int, int]:
    dap(command, threadId=1)
    assert dap.stopped()["reason"] == "step"
    return _here(dap)


def test_step_over_a_for_loop(host, spell):
    """next through a 3-iteration loop sees the loop line before each test, then leaves."""
    dap = _start(host, spell, LOOP)
    assert [line for line, _ in _trace(dap, "next")] == [1, 2, 3, 2, 3, 2, 3, 2, 5]
    assert dap.exit_code() == 0
    assert dap.stdout() == "6\n"


def test_step_over_calls_stays_in_the_caller(host, spell):
    """next over a call to a Lua function does not stop inside it."""
    dap = _start(host, spell, ADD)
    assert _trace(dap, "next") == [(4, 1), (5, 1), (6, 1), (7, 1)]
    assert dap.stdout() == "3\t6\n"


def test_step_in_enters_each_call(host, spell):
    """stepIn enters add twice and comes back to the next line of the caller."""
    dap = _start(host, spell, ADD)
    assert _trace(dap, "stepIn") == [
        (4, 1), (5, 1), (2, 2), (3, 2), (6, 1), (2, 2), (3, 2), (7, 1)
    ]  # fmt: skip


def test_step_out_returns_to_the_caller(host, spell):
    """stepOut from inside add stops at the caller's next line; next goes on from there."""
    dap = _start(host, spell, ADD)
    assert _step(dap, "stepIn") == (5, 1)
    assert _step(dap, "stepIn") == (2, 2)
    assert _step(dap, "stepOut") == (6, 1)
    assert _step(dap, "stepIn") == (2, 2)
    assert _step(dap, "next") == (3, 2)
    assert _step(dap, "next") == (7, 1)


def test_step_in_through_recursion(host, spell):
    """stepIn through fib(3) follows every recursive call at its depth."""
    dap = _start(host, spell, FIB)
    assert _trace(dap, "stepIn") == [
        (4, 1), (5, 1),
        (2, 2), (3, 2),  # fib(3)
        (2, 3), (3, 3),  # fib(2)
        (2, 4),          # fib(1)
        (2, 4),          # fib(0)
        (2, 3),          # fib(1), called by fib(3)
    ]  # fmt: skip
    assert dap.stdout() == "2\n"


def test_step_over_and_out_in_recursion_use_the_depth(host, spell):
    """next inside fib(2) skips the deeper calls; stepOut leaves for a shallower frame."""
    dap = host().launch(spell(FIB), breakpoints=[{"line": 3, "hitCondition": "2"}])
    dap.stopped()
    assert _here(dap) == (3, 3)  # fib(2), about to call fib(1) and fib(0)
    dap.set_breakpoints([])
    # fib(2) returns into the middle of fib(3)'s line 3: the next line seen at depth <= 3 is
    # fib(1)'s first line, called by fib(3).
    assert _step(dap, "next") == (2, 3)
    # Out of fib(1): no line of fib(3) or of the main chunk is seen again, so the run ends.
    dap("stepOut", threadId=1)
    assert dap._ended_or_stopped() is True
    assert dap.exit_code() == 0


def test_step_out_of_deep_recursion(host, spell):
    """stepOut from fib(1) (depth 4) stops at the first line seen at a smaller depth."""
    dap = host().launch(spell(FIB), breakpoints=[{"line": 2, "hitCondition": "3"}])
    dap.stopped()
    assert _here(dap) == (2, 4)
    dap.set_breakpoints([])
    assert _step(dap, "stepOut") == (2, 3)  # skips fib(0), at depth 4 too
    dap.resume()
    assert dap.exit_code() == 0


def test_step_in_through_coroutine_resume_and_yield(host, spell):
    """stepIn follows resume into the coroutine, yield back to the caller, and resume again."""
    dap = _start(host, spell, COROUTINE)
    assert _trace(dap, "stepIn") == [
        (1, 1), (4, 1), (1, 1),  # coroutine.create(function ... end): closure at `end`
        (5, 1), (2, 2),          # resume → the coroutine body (its frames are counted)
        (6, 1), (3, 2),          # yield → back in main; resume → after the yield
        (7, 1),
    ]  # fmt: skip
    assert dap.stdout() == "2\t4\n"


def test_step_over_a_coroutine_resume(host, spell):
    """next over coroutine.resume does not stop inside the coroutine."""
    dap = _start(host, spell, COROUTINE)
    assert [line for line, _ in _trace(dap, "next")] == [1, 4, 1, 5, 6, 7]


def test_step_out_of_a_coroutine_returns_to_the_resumer(host, spell):
    """stepOut inside a coroutine stops in the thread that resumed it."""
    dap = _start(host, spell, COROUTINE)
    for _ in range(4):
        _step(dap, "stepIn")
    assert _here(dap) == (2, 2)
    assert _step(dap, "stepOut") == (6, 1)


def test_step_in_through_coroutine_wrap(host, spell):
    """stepIn through a generator made by coroutine.wrap, including its loop."""
    dap = _start(host, spell, WRAP)
    assert _trace(dap, "stepIn") == [
        (1, 1), (5, 1), (1, 1),
        (6, 1), (2, 2), (3, 2),
        (7, 1), (2, 2), (3, 2),
        (8, 1),
    ]  # fmt: skip
    assert dap.stdout() == "1\t2\n"


def test_step_in_through_an_api_call_that_calls_back_lua(host, spell):
    """stepIn at events.publish enters the Lua handler that Python calls back."""
    dap = _start(host, spell, EVENTS)
    assert _trace(dap, "stepIn") == [
        (1, 1), (2, 1), (4, 1), (2, 1),
        (5, 1), (3, 2), (4, 2),  # the handler, then its `end` (implicit return)
        (6, 1),
    ]  # fmt: skip
    assert dap.stdout() == "2\n"


def test_step_over_an_api_call_that_calls_back_lua(host, spell):
    """next over events.publish runs the handler without stopping in it."""
    dap = _start(host, spell, EVENTS)
    assert [line for line, _ in _trace(dap, "next")] == [1, 2, 4, 2, 5, 6]


def test_step_through_a_pcalled_error(host, spell):
    """stepIn enters pcall's function; its error goes back to the line after the pcall."""
    dap = _start(host, spell, ERRORS)
    assert _step(dap, "stepIn") == (4, 1)
    assert _step(dap, "stepIn") == (2, 2)
    assert _step(dap, "stepIn") == (5, 1)
    assert dap.locals() == {
        "boom": "function (main.lua:1)",
        "ok": "false",
        "err": '"main.lua:2: bad"',
    }


def test_uncaught_error_stops_at_the_failing_line_with_the_stack(host, spell):
    """With the `error` filter, an uncaught error stops where it is raised, stack intact."""
    dap = host().launch(spell(ERRORS), exceptions=["error"])
    stopped = dap.stopped()
    assert stopped["reason"] == "exception"
    assert "bad" in stopped["text"]
    assert dap.where() == [("boom", 2), ("main chunk", 6)]
    assert dap.locals(frame=2)["ok"] == "false"
    dap.resume()
    assert dap.exit_code() == 1
    assert dap.records_of("run.end")[0]["error"]["line"] == 2
    assert "never" not in dap.stdout()


def test_uncaught_error_without_the_filter_does_not_stop(host, spell):
    """Without exception filters the error ends the run at once (exit code 1)."""
    dap = host().launch(spell(ERRORS))
    assert dap.exit_code() == 1
    assert dap.events_named("stopped") == []


def test_step_then_continue_runs_to_the_end(host, spell):
    """continue after steps clears the step: no further stops."""
    dap = _start(host, spell, LOOP)
    _step(dap, "next")
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 2
    assert len(dap.events_named("continued")) == 2
