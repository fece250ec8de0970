"""The Tengo debugger over DAP: exact stepping and line breakpoints, as for Lua.

The spells are the Lua tests' spells written in Tengo (which needs `fmt := import("fmt")` to
print, so lines shift by one). Tengo reports a statement's line before it runs, once per line:
a `for` line is seen before the loop and again before each post statement (`i++`), a line is
not seen again after a call on it returns, and a closing brace is never seen. Expected stops
are (line, depth), depth counting the spell's frames. Coroutines have no Tengo counterpart.
"""

from __future__ import annotations

import time

import pytest

LOOP = """
fmt := import("fmt")
sum := 0
for i := 1; i <= 3; i++ {
  sum += i
}
fmt.println(sum)
"""

ADD = """
fmt := import("fmt")
add := func(a, b) {
  s := a + b
  return s
}
x := add(1, 2)
y := add(x, 3)
fmt.println(x, y)
"""

FIB = """
fmt := import("fmt")
fib := func(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}
fmt.println(fib(3))
"""

EVENTS = """
fmt := import("fmt")
events := import("events")
seen := 0
events.subscribe("ping", func(kind, data) {
  seen += data.n
})
events.publish("ping", {n: 2})
fmt.println(seen)
"""

ERRORS = """
fmt := import("fmt")
boom := func(d) {
  return 10 / d
}
ok := is_error(error("bad"))
fmt.println(ok)
boom(0)
fmt.println("never")
"""


@pytest.fixture
def tengo(spell):
    return lambda source, name="main.tengo", **kw: spell(source, name=name, **kw)


def _start(host, tengo, source, **launch):
    dap = host().launch(tengo(source), stopOnEntry=True, **launch)
    assert dap.stopped()["reason"] == "entry"
    return dap


def _here(dap) -> tuple[int, int]:
    frames = dap.frames()
    return frames[0]["line"], len(frames)


def _trace(dap, command: str) -> list[tuple[int, int]]:
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


def test_step_over_a_for_loop(host, tengo):
    """next through a 3-iteration loop sees the for line before each post statement."""
    dap = _start(host, tengo, LOOP)
    assert [line for line, _ in _trace(dap, "next")] == [1, 2, 3, 4, 3, 4, 3, 4, 3, 6]
    assert dap.exit_code() == 0
    assert dap.stdout() == "6\n"


def test_step_over_calls_stays_in_the_caller(host, tengo):
    dap = _start(host, tengo, ADD)
    assert _trace(dap, "next") == [(1, 1), (2, 1), (6, 1), (7, 1), (8, 1)]
    assert dap.stdout() == "3 6\n"


def test_step_in_enters_each_call(host, tengo):
    dap = _start(host, tengo, ADD)
    assert _trace(dap, "stepIn") == [
        (1, 1), (2, 1), (6, 1), (3, 2), (4, 2), (7, 1), (3, 2), (4, 2), (8, 1)
    ]  # fmt: skip


def test_step_out_returns_to_the_caller(host, tengo):
    dap = _start(host, tengo, ADD)
    assert _step(dap, "next") == (2, 1)
    assert _step(dap, "next") == (6, 1)
    assert _step(dap, "stepIn") == (3, 2)
    assert _step(dap, "stepOut") == (7, 1)
    assert _step(dap, "stepIn") == (3, 2)
    assert _step(dap, "next") == (4, 2)
    assert _step(dap, "next") == (8, 1)


def test_step_in_through_recursion(host, tengo):
    """stepIn through fib(3); `if n < 2 { return n }` is one line, seen once."""
    dap = _start(host, tengo, FIB)
    assert _trace(dap, "stepIn") == [
        (1, 1), (2, 1), (6, 1),
        (3, 2), (4, 2),  # fib(3)
        (3, 3), (4, 3),  # fib(2)
        (3, 4),          # fib(1)
        (3, 4),          # fib(0)
        (3, 3),          # fib(1), called by fib(3)
    ]  # fmt: skip
    assert dap.stdout() == "2\n"


def test_step_over_and_out_in_recursion_use_the_depth(host, tengo):
    dap = host().launch(tengo(FIB), breakpoints=[{"line": 4, "hitCondition": "2"}])
    dap.stopped()
    assert _here(dap) == (4, 3)  # fib(2), about to call fib(1) and fib(0)
    dap.set_breakpoints([])
    assert _step(dap, "next") == (3, 3)  # fib(1), called by fib(3)
    dap("stepOut", threadId=1)
    assert dap._ended_or_stopped() is True
    assert dap.exit_code() == 0


def test_step_out_of_deep_recursion(host, tengo):
    dap = host().launch(tengo(FIB), breakpoints=[{"line": 3, "hitCondition": "3"}])
    dap.stopped()
    assert _here(dap) == (3, 4)
    dap.set_breakpoints([])
    assert _step(dap, "stepOut") == (3, 3)  # skips fib(0), at depth 4 too
    dap.resume()
    assert dap.exit_code() == 0


def test_step_in_through_an_api_call_that_calls_back_tengo(host, tengo):
    """stepIn at events.publish enters the Tengo handler that Python calls back."""
    dap = _start(host, tengo, EVENTS)
    assert _trace(dap, "stepIn") == [(1, 1), (2, 1), (3, 1), (4, 1), (7, 1), (5, 2), (8, 1)]
    assert dap.stdout() == "2\n"


def test_step_over_an_api_call_that_calls_back_tengo(host, tengo):
    dap = _start(host, tengo, EVENTS)
    assert [line for line, _ in _trace(dap, "next")] == [1, 2, 3, 4, 7, 8]


def test_uncaught_error_stops_at_the_failing_line_with_the_stack(host, tengo):
    """With the `error` filter, a runtime error stops with the frames it went through."""
    dap = host().launch(tengo(ERRORS), exceptions=["error"])
    stopped = dap.stopped()
    assert stopped["reason"] == "exception"
    assert "division by zero" in stopped["text"]
    assert dap.where() == [("boom", 3), ("main", 7)]
    assert dap.locals() == {"d": "0"}
    assert dap.locals(frame=2)["ok"] == "true"
    assert dap.evaluate("d + 1", "watch") == "1"
    dap.resume()
    assert dap.exit_code() == 1
    assert dap.records_of("run.end")[0]["error"]["line"] == 3
    assert "never" not in dap.stdout()


def test_uncaught_error_without_the_filter_does_not_stop(host, tengo):
    dap = host().launch(tengo(ERRORS))
    assert dap.exit_code() == 1
    assert dap.events_named("stopped") == []


def test_step_then_continue_runs_to_the_end(host, tengo):
    dap = _start(host, tengo, LOOP)
    _step(dap, "next")
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 2


# -- line breakpoints ------------------------------------------------------------------------

TOTAL = """
fmt := import("fmt")
total := 0
for i := 1; i <= 6; i++ {
  total += i
}
fmt.println(total)
"""


def _stops(dap, line: int) -> list[str]:
    seen = []
    while not dap._ended_or_stopped():
        assert dap.line() == line
        seen.append(dap.evaluate("i", "watch"))
        dap.resume()
    return seen


def test_plain_breakpoint_stops_every_time(host, tengo):
    dap = host().launch(tengo(TOTAL), configure=False)
    [bp] = dap.set_breakpoints([4])
    dap("configurationDone")
    first = dap.stopped()
    assert first["reason"] == "breakpoint" and first["hitBreakpointIds"] == [bp["id"]]
    seen = [dap.evaluate("i", "watch")]
    dap.resume()
    assert seen + _stops(dap, 4) == ["1", "2", "3", "4", "5", "6"]
    assert dap.exit_code() == 0


@pytest.mark.parametrize(
    ("breakpoint", "expected"),
    [
        ({"condition": "i == 3"}, ["3"]),
        ({"condition": "nothing.here == 1"}, []),  # does not compile: reads as false
        ({"hitCondition": "==2"}, ["2"]),
        ({"hitCondition": ">=3"}, ["3", "4", "5", "6"]),
        ({"hitCondition": "%2"}, ["2", "4", "6"]),
        ({"condition": "i % 2 == 1", "hitCondition": "2"}, ["3"]),
    ],
)
def test_conditions_and_hit_counts(host, tengo, breakpoint, expected):
    dap = host().launch(tengo(TOTAL), breakpoints=[{"line": 4, **breakpoint}])
    assert _stops(dap, 4) == expected
    assert dap.exit_code() == 0


def test_logpoint_interpolates_and_does_not_stop(host, tengo):
    bp = {"line": 4, "logMessage": "i={i} total={total} bad={nope.x}"}
    dap = host().launch(tengo(TOTAL), breakpoints=[bp])
    assert dap.exit_code() == 0
    assert dap.events_named("stopped") == []
    logs = [o for o in dap.outputs("console") if o.get("line") == 4]
    assert [o["output"].split(" bad")[0] for o in logs] == [
        f"i={i} total={sum(range(i))}" for i in range(1, 7)
    ]
    assert all("bad=<error: " in o["output"] for o in logs)


def test_moving_a_breakpoint_keeps_the_others(host, tengo):
    dap = host().launch(tengo(TOTAL), breakpoints=[4])
    dap.stopped()
    [before] = dap.events_named("stopped")[0]["hitBreakpointIds"]
    kept, added = dap.set_breakpoints([4, {"line": 6}])
    assert kept["id"] == before and added["id"] != before
    dap.set_breakpoints([6])
    dap.resume()
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == 6
    dap.resume()
    assert dap.exit_code() == 0


def test_breakpoint_set_while_running_is_hit_without_pausing(host, tengo):
    program = tengo(
        """
        fmt := import("fmt")
        fmt.println("looping")
        n := 0
        for {
          n++
          if n < 0 { break }
        }
        """
    )
    dap = host().launch(program, limits={"timeout": 5})
    dap.wait_event("output")
    time.sleep(0.05)
    dap.set_breakpoints([5])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.line() == 5
    assert int(dap.evaluate("n", "watch")) > 0
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_breakpoints_in_an_imported_module(host, tengo):
    tengo("twice := func(x) {\n  return x * 2\n}\nexport {twice: twice}\n", name="helpers.tengo")
    program = tengo(
        'fmt := import("fmt")\nhelpers := import("helpers")\nfmt.println(helpers.twice(21))\n'
    )
    dap = host().launch(program, configure=False)
    dap.set_breakpoints([2], path=program.parent / "helpers.tengo")
    dap("configurationDone")
    dap.stopped()
    frames = dap.frames()
    assert (frames[0]["source"]["name"], frames[0]["line"]) == ("helpers.tengo", 2)
    assert [f["name"] for f in frames] == ["twice", "main"]
    assert dap.locals() == {"x": "21"}
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "42\n"
