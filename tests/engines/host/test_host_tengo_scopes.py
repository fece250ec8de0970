"""The Tengo debugger over DAP, on what the compiler records for it: variables come into
scope at their definition and leave it with their block (an `if` body, a `for ... in`
loop), named function literals show their names, and pause reaches loops that run no
statement at all (each iteration tests the pause flag) as well as breakpoints set while the
spell runs.
"""

from __future__ import annotations

import textwrap

import pytest

SCOPES = """
fmt := import("fmt")
f := func(n) {
  total := 0
  if n > 0 {
    inner := n * 2
    total = inner
  }
  for k, v in [1, 2] {
    total += v + k
  }
  return total
}
fmt.println(f(3))
"""


@pytest.fixture
def tengo(spell):
    return lambda source, name="main.tengo", **kw: spell(source, name=name, **kw)


def _stop_at(host, program, line):
    dap = host().launch(program, breakpoints=[line])
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == line
    return dap


def test_variables_enter_and_leave_scope_with_their_blocks(host, tengo):
    program = tengo(SCOPES.lstrip("\n"))
    dap = _stop_at(host, program, 3)
    assert set(dap.locals()) == {"n"}  # `total` is not defined yet
    dap.set_breakpoints([6, 9, 11])
    dap.resume()
    dap.stopped()
    assert dap.locals() == {"n": "3", "total": "0", "inner": "6"}
    dap.resume()
    dap.stopped()
    assert set(dap.locals()) == {"n", "total", "k", "v"}  # `inner` left with its block
    dap.set_breakpoints([11])
    dap.resume()
    dap.stopped()
    assert dap.locals() == {"n": "3", "total": "10"}  # so did the loop's `k` and `v`
    assert dap.where() == [("f", 11), ("main", 13)]
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "10\n"


def test_function_literals_are_named_by_what_they_are_bound_to(host, tengo):
    source = """
    fmt := import("fmt")
    ops := {twice: func(x) { return x * 2 }}
    later := undefined
    later = func(x) {
      return ops.twice(x)
    }
    fmt.println(later(4))
    """
    program = tengo(textwrap.dedent(source).lstrip("\n"))
    dap = _stop_at(host, program, 2)
    dap.set_breakpoints([2, 5])
    dap.resume()
    dap.stopped()
    assert dap.where() == [("later", 5), ("main", 7)]
    dap.resume()
    dap.stopped()
    assert dap.where() == [("twice", 2), ("later", 5), ("main", 7)]
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "8\n"


@pytest.mark.parametrize("loop", ["for {}", "for n < 1 {}"])
def test_pause_reaches_a_loop_that_runs_no_statement(host, tengo, loop):
    source = f'fmt := import("fmt")\nn := 0\nfmt.println("in")\n{loop}\n'
    dap = host().launch(tengo(source), limits={"timeout": 10})
    dap.wait_event("output")
    for _ in range(3):
        dap("pause", threadId=1)
        assert dap.stopped()["reason"] == "pause"
        assert dap.where() == [("main", 4)]
        dap.resume()
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_a_breakpoint_set_while_running_is_hit(host, tengo):
    source = 'fmt := import("fmt")\nn := 0\nfmt.println("in")\nfor {\n  n++\n}\n'
    dap = host().launch(tengo(source), limits={"timeout": 10})
    dap.wait_event("output")
    dap.set_breakpoints([5])
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == 5
    first = int(dap.evaluate("n", "watch"))
    dap.resume()
    dap.stopped()
    assert int(dap.evaluate("n", "watch")) == first + 1
    dap("terminate")
    assert dap.exit_code(2) == 3
