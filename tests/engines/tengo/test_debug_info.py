"""What the compiler records for the debugger under `line_hook` (engines/tengo/debug_info.py),
and how the line flags decide which statements call the hook."""

from __future__ import annotations

import textwrap

from engines.tengo import compile_script
from engines.tengo.debug_index import UnitIndex

SOURCE = textwrap.dedent(
    """
    fmt := import("fmt")
    run := func(a, ...rest) {
      fns := []
      for i := 0; i < 2; i++ {
        j := i * 10
        fns = append(fns, func() { return j })
      }
      m := {twice: func(x) { return x * 2 }}
      later := undefined
      later = func() { return 1 }
      return fns[1]() + m.twice(a) + later()
    }
    fmt.println(run(1))
    """
).lstrip("\n")


def _compiled(source: str = SOURCE, calls: list[int] | None = None):
    hook = (lambda f, line: calls.append(line)) if calls is not None else (lambda f, line: None)
    return compile_script(source, "main.tengo", line_hook=hook)


def _line_of(script, text: str) -> int:
    lines = script.unit.source.split("\n")
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith(text))


def test_nothing_is_recorded_without_a_line_hook():
    script = compile_script(SOURCE, "main.tengo")
    assert script.unit.debug is None
    assert "_lw" not in script.unit.source


def test_functions_are_named_and_know_their_parameters():
    info = _compiled().unit.debug
    names = {fn.name for fn in info.functions.values()}
    assert names == {"main", "run", "func <main.tengo:6>", "twice", "later"}
    run = next(fn for fn in info.functions.values() if fn.name == "run")
    assert {p.rsplit("_", 1)[0] for p in run.params} == {"a", "rest"}
    assert {b.rsplit("_", 1)[0] for b in info.boxed} == {"j"}
    assert info.hook_lines == set(range(1, 14)) - {7, 12}
    assert info.max_line == 13


def test_scopes_start_at_the_definition_and_end_with_the_block():
    script = _compiled()
    run = next(fn for fn in script.unit.debug.functions.values() if fn.name == "run")
    scopes = {py.rsplit("_", 1)[0]: (py, scope) for py, scope in run.scopes.items()}
    j, (j_start, j_end) = scopes["j"]
    assert j_start == _line_of(script, f"{j} = [")
    i, (i_start, i_end) = scopes["i"]
    assert i_start == _line_of(script, f"{i} = 0")
    # the loop variable's own scope ends with the loop
    assert j_end <= i_end
    assert i_end == _line_of(script, "if _lw[8]")
    assert set(scopes) == {"fns", "i", "j", "m", "later"}


def test_locations_follow_the_statement_hooks():
    script = _compiled()
    index = UnitIndex(script.unit)
    assert index.location[_line_of(script, "fns_")] == ("main.tengo", 3)
    assert index.location[_line_of(script, "_t5 = fns_")] == ("main.tengo", 11)


def test_the_hook_runs_for_flagged_lines_only():
    calls: list[int] = []
    script = _compiled("a := 1\nb := 2\nc := 3\n", calls)
    script.run()
    assert calls == [1, 2, 3]  # every line is flagged to begin with
    calls.clear()
    script.line_flags[:] = [0, 0, 1, 0]
    script.run()
    assert calls == [2]


def test_a_loop_without_statements_tests_flag_zero():
    calls: list[int] = []
    source = "n := 0\nfor n > 3 {}\nfor x in [1, 2] {}\nfor y in [1] { n = 1 }\n"
    script = _compiled(source, calls)
    script.line_flags[:] = [1] + [0] * (len(script.line_flags) - 1)
    script.run()
    # once before `n > 3` is found false, once per element; the last loop has a statement
    assert calls == [0, 0, 0]
    assert script.unit.source.count("if _lw[0]:") == 2


def test_errors_reach_on_error_with_their_traceback():
    seen = []
    script = _compiled("f := func() { return 1 / 0 }\nf()\n")
    script.on_error = lambda exc: seen.append(exc.__traceback__ is not None)
    try:
        script.run()
    except Exception:  # noqa: BLE001 - the script's own error type
        pass
    assert seen == [True]
