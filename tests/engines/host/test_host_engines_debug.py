"""The debugger over DAP, the same for every engine: exact stepping (next, stepIn, stepOut
through calls, recursion and API callbacks), uncaught-error stops, and line breakpoints
(conditions, hit counts, logpoints, moves, set while running). Each test runs once per
language on the spells and expected stops of tests/engines/host/scenarios.py; what only one
language has (coroutines, upvalues, imports, for-of...) stays in that language's test file.
"""

from __future__ import annotations

import time

import pytest

from tests.engines.host.languages import LANGUAGES, each_language
from tests.engines.host.scenarios import Language, here, start, step, trace, watch_stops

# -- stepping -------------------------------------------------------------------------------


@each_language
def test_step_over_a_for_loop(host, lang_spell, lang: Language):
    """next through a 3-iteration loop sees the loop line before each test, then leaves."""
    dap = start(host, lang_spell(lang, lang.loop))
    assert [line for line, _ in trace(dap, "next")] == lang.loop_next
    assert dap.exit_code() == 0
    assert dap.stdout() == "6\n"


@each_language
def test_step_over_calls_stays_in_the_caller(host, lang_spell, lang: Language):
    """next over a call to a spell function does not stop inside it."""
    dap = start(host, lang_spell(lang, lang.add))
    assert trace(dap, "next") == lang.add_next
    assert dap.stdout() == lang.add_stdout


@each_language
def test_step_in_enters_each_call(host, lang_spell, lang: Language):
    """stepIn enters add twice and comes back to the next line of the caller."""
    dap = start(host, lang_spell(lang, lang.add))
    assert trace(dap, "stepIn") == lang.add_step_in


@each_language
def test_step_out_returns_to_the_caller(host, lang_spell, lang: Language):
    """stepOut from inside add stops at the caller's next line; next goes on from there."""
    dap = start(host, lang_spell(lang, lang.add))
    assert [(command, step(dap, command)) for command, _ in lang.add_step_out] == lang.add_step_out


@each_language
def test_step_in_through_recursion(host, lang_spell, lang: Language):
    """stepIn through fib(3) follows every recursive call at its depth."""
    dap = start(host, lang_spell(lang, lang.fib))
    assert trace(dap, "stepIn") == lang.fib_step_in
    assert dap.stdout() == "2\n"


@each_language
def test_step_over_and_out_in_recursion_use_the_depth(host, lang_spell, lang: Language):
    """next inside fib(2) skips the deeper calls; stepOut leaves for a shallower frame."""
    breakpoint, there, after_next = lang.fib_next
    dap = host().launch(lang_spell(lang, lang.fib), breakpoints=[breakpoint])
    dap.stopped()
    assert here(dap) == there  # fib(2), about to call fib(1) and fib(0)
    dap.set_breakpoints([])
    assert step(dap, "next") == after_next  # fib(1), called by fib(3)
    # Out of fib(1): no line of fib(3) or of the main chunk is seen again, so the run ends.
    dap("stepOut", threadId=1)
    assert dap._ended_or_stopped() is True
    assert dap.exit_code() == 0


@each_language
def test_step_out_of_deep_recursion(host, lang_spell, lang: Language):
    """stepOut from fib(1) (depth 4) stops at the first line seen at a smaller depth."""
    breakpoint, there, after_out = lang.fib_out
    dap = host().launch(lang_spell(lang, lang.fib), breakpoints=[breakpoint])
    dap.stopped()
    assert here(dap) == there
    dap.set_breakpoints([])
    assert step(dap, "stepOut") == after_out  # skips fib(0), at depth 4 too
    dap.resume()
    assert dap.exit_code() == 0


@each_language
def test_step_in_through_an_api_call_that_calls_back_the_spell(host, lang_spell, lang: Language):
    """stepIn at events.publish enters the spell's handler that Python calls back."""
    dap = start(host, lang_spell(lang, lang.events))
    assert trace(dap, "stepIn") == lang.events_step_in
    assert dap.stdout() == "2\n"


@each_language
def test_step_over_an_api_call_that_calls_back_the_spell(host, lang_spell, lang: Language):
    """next over events.publish runs the handler without stopping in it."""
    dap = start(host, lang_spell(lang, lang.events))
    assert [line for line, _ in trace(dap, "next")] == lang.events_next


@each_language
def test_step_then_continue_runs_to_the_end(host, lang_spell, lang: Language):
    """continue after steps clears the step: no further stops."""
    dap = start(host, lang_spell(lang, lang.loop))
    step(dap, "next")
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 2
    assert len(dap.events_named("continued")) == 2


# -- uncaught errors --------------------------------------------------------------------------


@each_language
def test_uncaught_error_stops_at_the_failing_line_with_the_stack(host, lang_spell, lang: Language):
    """With the `error` filter, an uncaught error stops where it is raised, stack intact; the
    caught one before it does not stop."""
    dap = host().launch(lang_spell(lang, lang.errors), exceptions=["error"])
    stopped = dap.stopped()
    assert stopped["reason"] == "exception"
    assert lang.error_text in stopped["text"]
    assert dap.where() == lang.error_where
    if lang.error_locals is not None:
        assert dap.locals() == lang.error_locals
    assert dap.locals(frame=2)["ok"] == lang.error_ok
    for expression, value in lang.error_watch.items():
        assert dap.evaluate(expression, "watch") == value
    dap.resume()
    assert dap.exit_code() == 1
    assert dap.records_of("run.end")[0]["error"]["line"] == lang.error_line
    assert "never" not in dap.stdout()


@each_language
def test_uncaught_error_without_the_filter_does_not_stop(host, lang_spell, lang: Language):
    """Without exception filters the error ends the run at once (exit code 1)."""
    dap = host().launch(lang_spell(lang, lang.errors))
    assert dap.exit_code() == 1
    assert dap.events_named("stopped") == []


# -- line breakpoints -------------------------------------------------------------------------


@each_language
def test_plain_breakpoint_stops_every_time(host, lang_spell, lang: Language):
    """A breakpoint in a loop stops once per iteration, reason `breakpoint` with its id."""
    line = lang.total_line
    dap = host().launch(lang_spell(lang, lang.total), configure=False)
    [bp] = dap.set_breakpoints([line])
    assert bp["verified"] is True and bp["line"] == line
    dap("configurationDone")
    first = dap.stopped()
    assert first["reason"] == "breakpoint" and first["hitBreakpointIds"] == [bp["id"]]
    seen = [dap.evaluate("i", "watch")]
    dap.resume()
    assert seen + watch_stops(dap, line) == ["1", "2", "3", "4", "5", "6"]
    assert dap.exit_code() == 0


@each_language
@pytest.mark.parametrize(
    ("condition", "hit_condition", "expected"),
    [
        ("i {eq} 3", None, ["3"]),  # only the third iteration
        ("nothing.here {eq} 1", None, []),  # a broken condition reads as false: never stops
        (None, "==2", ["2"]),
        (None, ">=3", ["3", "4", "5", "6"]),
        (None, ">=5", ["5", "6"]),
        (None, "%2", ["2", "4", "6"]),
        (None, "%3", ["3", "6"]),
        ("i % 2 {eq} 1", "2", ["3"]),  # hits are counted only when the condition holds
    ],
)
def test_conditions_and_hit_counts(
    host, lang_spell, lang: Language, condition, hit_condition, expected
):
    breakpoint: dict[str, object] = {"line": lang.total_line}
    if condition is not None:
        breakpoint["condition"] = condition.format(eq=lang.equals)
    if hit_condition is not None:
        breakpoint["hitCondition"] = hit_condition
    dap = host().launch(lang_spell(lang, lang.total), breakpoints=[breakpoint])
    assert watch_stops(dap, lang.total_line) == expected
    assert dap.exit_code() == 0


@each_language
def test_logpoint_interpolates_and_does_not_stop(host, lang_spell, lang: Language):
    """A logpoint prints its message with {expressions} filled in, and never stops."""
    line = lang.total_line
    bp = {"line": line, "logMessage": "i={i} total={total} bad={nope.x}"}
    dap = host().launch(lang_spell(lang, lang.total), breakpoints=[bp])
    assert dap.exit_code() == 0
    assert dap.events_named("stopped") == []
    logs = [o for o in dap.outputs("console") if o.get("line") == line]
    assert [o["output"].split(" bad")[0] for o in logs] == [
        f"i={i} total={sum(range(i))}" for i in range(1, 7)
    ]
    assert all(o["source"]["path"] == dap.program for o in logs)
    assert all("bad=<error: " in o["output"] for o in logs)


@each_language
def test_removing_breakpoints_lets_the_spell_finish(host, lang_spell, lang: Language):
    """setBreakpoints with an empty list removes them: continue runs to the end."""
    dap = host().launch(lang_spell(lang, lang.total), breakpoints=[lang.total_line])
    dap.stopped()
    assert dap.set_breakpoints([]) == []
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 1


@each_language
def test_moving_a_breakpoint_keeps_the_others(host, lang_spell, lang: Language):
    """Replacing the list keeps a breakpoint's id and hit count and drops missing lines."""
    dap = host().launch(lang_spell(lang, lang.total), breakpoints=[lang.total_line])
    dap.stopped()
    [before] = dap.events_named("stopped")[0]["hitBreakpointIds"]
    kept, added = dap.set_breakpoints([lang.total_line, {"line": lang.total_print}])
    assert kept["id"] == before and added["id"] != before
    dap.set_breakpoints([lang.total_print])
    dap.resume()
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == lang.total_print
    dap.resume()
    assert dap.exit_code() == 0


@each_language
def test_breakpoint_set_while_running_is_hit_without_pausing(host, lang_spell, lang: Language):
    """A breakpoint set while a long loop runs is hit without a pause first."""
    dap = host().launch(lang_spell(lang, lang.spin), limits={"timeout": 5})
    dap.wait_event("output")  # the loop is running
    time.sleep(0.05)
    dap.set_breakpoints([lang.spin_line])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.line() == lang.spin_line
    assert int(dap.evaluate("n", "watch")) > 0
    dap("terminate")
    assert dap.exit_code(2) == 3


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang.module], ids=str)
def test_breakpoints_in_a_module(host, lang_spell, spell, lang: Language):
    """A breakpoint in a module the spell loads (require, import) stops there, in that file."""
    assert lang.module is not None
    module_name, module_source = lang.module
    spell(module_source, name=module_name)
    program = lang_spell(lang, lang.module_spell)
    dap = host().launch(program, configure=False)
    dap.set_breakpoints([lang.module_line], path=program.parent / module_name)
    dap("configurationDone")
    dap.stopped()
    frames = dap.frames()
    assert (frames[0]["source"]["name"], frames[0]["line"]) == (module_name, lang.module_line)
    assert [f["name"] for f in frames] == lang.module_frames
    assert dap.locals() == {"x": "21"}
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "42\n"
