"""Line breakpoints (conditions, hit counts, logpoints, changes while running) and function
breakpoints on hook points, over DAP."""

from __future__ import annotations

import time

LOOP = """
local total = 0
for i = 1, 6 do
  total = total + i
end
print(total)
"""


def _stops(dap, line: int) -> list[str]:
    """Continue until the run ends; the value of `i` at each stop on `line`."""
    seen = []
    while not dap._ended_or_stopped():
        assert dap.line() == line
        seen.append(dap.evaluate("i", "watch"))
        dap.resume()
    return seen


def _run(host, spell, source, breakpoint):
    dap = host().launch(spell(source), breakpoints=[breakpoint])
    return dap


def test_plain_breakpoint_stops_every_time(host, spell):
    """A breakpoint in a loop stops once per iteration, reason `breakpoint` with its id."""
    dap = host().launch(spell(LOOP), configure=False)
    [bp] = dap.set_breakpoints([3])
    assert bp["verified"] is True and bp["line"] == 3
    dap("configurationDone")
    first = dap.stopped()
    assert first["reason"] == "breakpoint" and first["hitBreakpointIds"] == [bp["id"]]
    assert [dap.evaluate("i", "watch")] + _resume_all(dap, 3) == ["1", "2", "3", "4", "5", "6"]
    assert dap.exit_code() == 0


def _resume_all(dap, line):
    dap.resume()
    return _stops(dap, line)


def test_conditional_breakpoint(host, spell):
    """`i == 3` stops only on the third iteration."""
    dap = _run(host, spell, LOOP, {"line": 3, "condition": "i == 3"})
    assert _stops(dap, 3) == ["3"]
    assert dap.exit_code() == 0


def test_broken_condition_never_stops(host, spell):
    """A condition that raises reads as false: the spell runs on."""
    dap = _run(host, spell, LOOP, {"line": 3, "condition": "nothing.here == 1"})
    assert _stops(dap, 3) == []
    assert dap.exit_code() == 0


def test_hit_count_equal(host, spell):
    """hitCondition `==2` stops on the second hit only."""
    assert _stops(_run(host, spell, LOOP, {"line": 3, "hitCondition": "==2"}), 3) == ["2"]


def test_hit_count_at_least(host, spell):
    """hitCondition `>=3` stops from the third hit on."""
    stops = _stops(_run(host, spell, LOOP, {"line": 3, "hitCondition": ">=3"}), 3)
    assert stops == ["3", "4", "5", "6"]


def test_hit_count_modulo(host, spell):
    """hitCondition `%2` stops on every second hit."""
    assert _stops(_run(host, spell, LOOP, {"line": 3, "hitCondition": "%2"}), 3) == ["2", "4", "6"]


def test_condition_and_hit_count_combine(host, spell):
    """Hits are counted only when the condition holds."""
    bp = {"line": 3, "condition": "i % 2 == 1", "hitCondition": "2"}
    assert _stops(_run(host, spell, LOOP, bp), 3) == ["3"]


def test_logpoint_interpolates_and_does_not_stop(host, spell):
    """A logpoint prints its message with {expressions} filled in, and never stops."""
    dap = _run(host, spell, LOOP, {"line": 3, "logMessage": "i={i} total={total} bad={nope.x}"})
    assert dap.exit_code() == 0
    assert dap.events_named("stopped") == []
    logs = [o for o in dap.outputs("console") if o.get("line") == 3]
    assert [o["output"].split(" bad")[0] for o in logs] == [
        f"i={i} total={sum(range(i))}" for i in range(1, 7)
    ]
    assert all(o["source"]["path"] == dap.program for o in logs)
    assert all("bad=<error: " in o["output"] for o in logs)


def test_removing_breakpoints_lets_the_spell_finish(host, spell):
    """setBreakpoints with an empty list removes them: continue runs to the end."""
    dap = _run(host, spell, LOOP, 3)
    dap.stopped()
    assert dap.set_breakpoints([]) == []
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 1


def test_moving_a_breakpoint_keeps_the_others(host, spell):
    """Replacing the list keeps a breakpoint's id and hit count and drops missing lines."""
    dap = _run(host, spell, LOOP, 3)
    dap.stopped()
    [before] = dap.events_named("stopped")[0]["hitBreakpointIds"]
    kept, added = dap.set_breakpoints([3, {"line": 5}])
    assert kept["id"] == before and added["id"] != before
    dap.set_breakpoints([5])
    dap.resume()
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == 5
    dap.resume()
    assert dap.exit_code() == 0


def test_breakpoint_set_while_running_is_hit_without_pausing(host, spell):
    """A breakpoint set while a long loop runs is hit without a pause first."""
    program = spell(
        """
        print("looping")
        local n = 0
        while true do
          n = n + 1
          if n < 0 then break end
        end
        """
    )
    dap = host().launch(program, limits={"timeout": 5})
    dap.wait_event("output")  # the loop is running
    time.sleep(0.05)
    dap.set_breakpoints([4])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.line() == 4
    assert int(dap.evaluate("n", "watch")) > 0
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_breakpoint_set_while_a_coroutine_runs_is_hit_after_it(host, spell):
    """A breakpoint added while a coroutine runs also stops in the main chunk later."""
    program = spell(
        """
        local co = coroutine.create(function()
          print("in the coroutine")
          local t = os.clock()
          while os.clock() - t < 0.3 do end
        end)
        coroutine.resume(co)
        local after = 1
        print(after)
        """
    )
    dap = host().launch(program, limits={"timeout": 5})
    dap.wait_event("output")
    time.sleep(0.05)
    dap.set_breakpoints([8])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.line() == 8
    dap.resume()
    assert dap.exit_code() == 0


def test_breakpoints_in_a_required_module(host, spell):
    """A breakpoint in a module loaded by require stops there, in that file."""
    spell("local M = {}\nfunction M.twice(x)\n  return x * 2\nend\nreturn M\n", name="util.lua")
    program = spell('local util = require("util")\nprint(util.twice(21))\n')
    dap = host().launch(program, configure=False)
    dap.set_breakpoints([3], path=program.parent / "util.lua")
    dap("configurationDone")
    dap.stopped()
    frames = dap.frames()
    assert (frames[0]["source"]["name"], frames[0]["line"]) == ("util.lua", 3)
    assert dap.locals() == {"x": "21"}
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "42\n"


HOOKS = """
local seen = {}
hooks.register("custom.x", function(payload)
  seen[#seen + 1] = payload.n
  return {n = payload.n + 1}
end)
local result = hooks.fire("custom.x", {n = 1})
hooks.fire("custom.other", {n = 5})
print(#seen, result.payload.n)
"""


def test_function_breakpoint_on_a_hook_point_stops_before_its_hooks(host, spell):
    """`hook:custom.x` stops at hooks.fire, before the registered hook runs, with the payload."""
    dap = host().launch(spell(HOOKS), functions=["hook:custom.x"])
    stopped = dap.stopped()
    assert stopped["reason"] == "function breakpoint"
    assert stopped["llmspell"] == {"kind": "hook", "payload": {"n": 1}}
    assert "custom.x" in stopped["description"]
    assert dap.where() == [("main chunk", 6)]
    assert dap.evaluate("#seen", "watch") == "0"  # the hook has not run yet
    assert not [r for r in dap.records_of("hook") if r["point"] == "custom.x"]
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 1  # custom.other has no breakpoint
    assert dap.stdout() == "1\t2\n"


def test_function_breakpoint_on_every_hook_point(host, spell):
    """`hook` alone stops at every point fired, even one with no hooks registered."""
    dap = host().launch(spell(HOOKS), functions=["hook"])
    points = []
    while not dap._ended_or_stopped():
        points.append(dap.events_named("stopped")[-1]["description"])
        dap.resume()
    # run_start fires before the spell's first line (with no spell frame on the stack).
    assert [p.split()[-1] for p in points] == ["run_start", "custom.x", "custom.other"]


def test_function_breakpoint_condition(host, spell):
    """A function breakpoint's condition is evaluated in the spell's frame."""
    dap = host().launch(spell(HOOKS), configure=False)
    dap("setFunctionBreakpoints", breakpoints=[{"name": "hook", "condition": "#seen > 0"}])
    dap("configurationDone")
    assert "custom.other" in dap.stopped()["description"]
    dap.resume()
    assert dap.exit_code() == 0


def test_terminate_while_stopped_at_a_hook_point_ends_the_run(host, spell):
    """terminate at a function breakpoint ends the run uncatchably (exit code 3)."""
    program = spell(
        """
        local ok, err = pcall(hooks.fire, "custom.x", {})
        print("after", ok, err)
        """
    )
    dap = host().launch(program, functions=["hook:custom.x"])
    dap.stopped()
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert "after" not in dap.stdout()
    assert dap.records_of("run.end")[0]["status"] == "terminated"


def test_breakpoint_set_while_a_coroutine_runs_is_hit_inside_it(host, spell):
    """A breakpoint added while a coroutine loops stops inside that running coroutine."""
    program = spell(
        """
        local co = coroutine.wrap(function()
          print("in")
          local n = 0
          while true do
            n = n + 1
          end
        end)
        co()
        """
    )
    dap = host().launch(program, limits={"timeout": 5})
    dap.wait_event("output")
    time.sleep(0.05)
    dap.set_breakpoints([5])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.where() == [("function <main.lua:1>", 5), ("main chunk", 8)]
    dap("terminate")
    assert dap.exit_code(2) == 3
