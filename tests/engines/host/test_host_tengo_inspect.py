"""The Tengo debugger over DAP where Tengo differs: variables not yet defined, evaluate and
repl statements in Tengo, variables a loop closure captures (boxed by the compiler), steps
after pausing `for {}`, and the budget filter. The stack, scopes, setVariable, pause,
terminate and function breakpoints every engine shares are in test_host_engines_*.py.

A function frame has Locals (its own and captured variables) and Globals (the main
program's); the main frame has Locals only, which are the globals. Tengo has no multiple
results and no coroutines, so the Lua tests of those have no counterpart here.
"""

from __future__ import annotations

import pytest

from tests.engines.host.languages import TENGO
from tests.engines.host.scenarios import pause_latency, running, stopped_at


@pytest.fixture
def tengo(spell):
    return lambda source, name="main.tengo", **kw: spell(source, name=name, **kw)


def _at(host, tengo, source, line):
    return stopped_at(host, tengo(source), line)


def test_variables_not_yet_defined_are_not_shown(host, tengo):
    dap = _at(host, tengo, TENGO.nested, 4)
    assert set(dap.locals()) == {"fmt", "config", "count"}


def test_evaluate_in_frames_and_contexts(host, tengo):
    dap = _at(host, tengo, TENGO.nested, 6)
    assert dap.evaluate("prefix + string(count)") == '"a2"'
    assert dap.evaluate("config.deep.list[1] * 2", "watch") == "40"
    assert dap.evaluate("greeting", "hover") == '"hi"'
    assert dap.evaluate("show != undefined", "watch", frame=2) == "true"
    assert "unresolved reference" in dap.error(
        "evaluate", expression="prefix", frameId=2, context="watch"
    )
    body = dap("evaluate", expression="config.deep", context="watch", frameId=1)
    assert body["type"] == "map" and body["variablesReference"] > 0
    assert set(dap.vars(body["variablesReference"])) == {"inner", "list"}
    assert dap.evaluate("len(config.deep.list)", "repl") == "3"
    assert "division by zero" in dap.error(
        "evaluate", expression="1 / 0", frameId=1, context="watch"
    )


def test_repl_statements_assign_to_locals_and_globals(host, tengo):
    dap = _at(host, tengo, TENGO.nested, 6)
    dap.evaluate('prefix = "b"')
    dap.evaluate("count = 7")
    dap.evaluate('greeting = "yo"')
    assert dap.evaluate("prefix + string(count) + greeting", "watch") == '"b7yo"'
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "bx7\n7 yo x true\n"


def test_variables_captured_in_a_loop_closure(host, tengo):
    """A variable a closure captures inside a loop is boxed by the compiler: it shows and
    sets as a plain value, in the closure and in the function that defined it."""
    source = """
    fmt := import("fmt")
    run := func() {
      fns := []
      for i := 0; i < 2; i++ {
        j := i * 10
        fns = append(fns, func() { return j })
      }
      return fns[1]()
    }
    fmt.println(run())
    """
    # Line 6 runs twice in `run`, then a third time inside the closure.
    dap = host().launch(tengo(source), breakpoints=[{"line": 6, "hitCondition": "3"}])
    dap.stopped()
    assert dap.where() == [("func <main.tengo:6>", 6), ("run", 8), ("main", 10)]
    assert dap.locals() == {"j": "10"}
    assert "j" not in dap.locals(frame=2)  # out of scope after the loop
    assert "i" not in dap.locals(frame=2)  # so is the loop's own variable
    assert "fns" in dap.locals(frame=2)
    ref = dap("scopes", frameId=1)["scopes"][0]["variablesReference"]
    dap("setVariable", variablesReference=ref, name="j", value="5")
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "5\n"


@pytest.mark.skip(reason="Tengo has no multiple results (Lua's `a, b, 'c'`)")
def test_evaluate_multiple_results_and_nil():
    pass


@pytest.mark.skip(reason="Tengo has no coroutines")
def test_variables_of_a_frame_inside_a_coroutine():
    pass


# -- function breakpoints ------------------------------------------------------------------


# -- pause and terminate -------------------------------------------------------------------


def test_step_after_pausing_a_loop(host, tengo):
    source = """
    fmt := import("fmt")
    fmt.println("in")
    n := 0
    for {
      n++
    }
    """
    dap = running(host, tengo(source), limits={"timeout": 5})
    pause_latency(dap)
    lines = []
    for _ in range(3):
        dap("next", threadId=1)
        assert dap.stopped()["reason"] == "step"
        lines.append(dap.line())
    assert lines == [5, 5, 5]
    before = int(dap.evaluate("n", "watch"))
    dap("next", threadId=1)
    dap.stopped()
    assert int(dap.evaluate("n", "watch")) == before + 1
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_time_limit_stops_with_the_budget_filter(host, tengo):
    """With the `budget` filter, the time limit stops the run where it was, then ends it."""
    dap = host().launch(tengo(TENGO.busy), exceptions=["budget"], limits={"timeout": 0.3})
    stopped = dap.stopped(3)
    assert stopped["reason"] == "exception" and "time limit" in stopped["text"]
    assert dap.where() == [("main", 3)]
    dap.resume()
    assert dap.exit_code(3) == 3
