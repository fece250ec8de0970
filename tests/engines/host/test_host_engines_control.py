"""Control of a debugged run over DAP, the same for every engine: pause of a busy loop,
terminate (running, stopped, noDebug, at a hook point) and function breakpoints on hook
points. Each test runs once per language on the spells of tests/engines/host/scenarios.py;
pause latencies are printed (the < 0.5 s bounds only catch a pause that does not work).
"""

from __future__ import annotations

import time

from tests.engines.host.languages import each_language
from tests.engines.host.scenarios import Language, pause_latency, running

# -- pause ----------------------------------------------------------------------------------


@each_language
def test_pause_stops_a_busy_loop_at_once(host, lang_spell, lang: Language):
    """pause stops an empty busy loop well within 100 ms (asserted < 0.5 s for loaded CI)."""
    dap = running(host, lang_spell(lang, lang.busy), limits={"timeout": 5})
    elapsed = pause_latency(dap)
    print(f"pause → stopped ({lang}): {elapsed * 1000:.1f} ms")
    assert elapsed < 0.5
    assert dap.where() == lang.busy_where
    # Paused time does not count against the time limit; the loop goes on after continue.
    dap.resume()
    assert pause_latency(dap) < 0.5
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert dap.records_of("run.end")[0]["status"] == "terminated"


@each_language
def test_many_pause_continue_cycles(host, lang_spell, lang: Language):
    """Twenty pause/continue cycles in a row each stop promptly."""
    dap = running(host, lang_spell(lang, lang.busy), limits={"timeout": 10})
    worst = pause_latency(dap)
    for _ in range(19):
        dap.resume()
        worst = max(worst, pause_latency(dap))
    print(f"worst pause latency over 20 cycles ({lang}): {worst * 1000:.1f} ms")
    assert worst < 0.5
    dap("terminate")
    assert dap.exit_code(2) == 3


# -- terminate ------------------------------------------------------------------------------


@each_language
def test_terminate_ends_a_running_spell_within_a_second(host, lang_spell, lang: Language):
    """terminate ends a busy loop: exited (code 3) and terminated within 1 s."""
    dap = running(host, lang_spell(lang, lang.busy), limits={"timeout": 30})
    sent = time.monotonic()
    dap("terminate")
    code = dap.exit_code(2)
    dap.wait_event("terminated", 1)
    elapsed = time.monotonic() - sent
    print(f"terminate → terminated ({lang}): {elapsed * 1000:.1f} ms")
    assert code == 3 and elapsed < 1.0
    assert dap.records_of("run.end")[0]["status"] == "terminated"
    # The host stays up for the client until it disconnects.
    assert dap.client.process.poll() is None
    dap.raw("disconnect")
    assert dap.wait_exit(3) == 0


@each_language
def test_terminate_while_stopped(host, lang_spell, lang: Language):
    """terminate while stopped at a breakpoint ends the run uncatchably (exit code 3)."""
    dap = host().launch(lang_spell(lang, lang.short), breakpoints=[lang.short_line])
    dap.stopped()
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert dap.stdout() == ""


@each_language
def test_terminate_no_debug_run(host, lang_spell, lang: Language):
    """terminate also ends a noDebug run (the CLI's Ctrl-C)."""
    dap = running(host, lang_spell(lang, lang.busy), noDebug=True, limits={"timeout": 30})
    dap("terminate")
    assert dap.exit_code(2) == 3


# -- function breakpoints on hook points ----------------------------------------------------


@each_language
def test_function_breakpoint_on_a_hook_point_stops_before_its_hooks(
    host, lang_spell, lang: Language
):
    """`hook:custom.x` stops at hooks.fire, before the registered hook runs, with the payload."""
    dap = host().launch(lang_spell(lang, lang.hooks), functions=["hook:custom.x"])
    stopped = dap.stopped()
    assert stopped["reason"] == "function breakpoint"
    assert stopped["llmspell"] == {"kind": "hook", "payload": {"n": 1}}
    assert "custom.x" in stopped["description"]
    assert dap.where() == lang.hooks_where
    assert dap.evaluate(lang.hooks_seen, "watch") == "0"  # the hook has not run yet
    assert not [r for r in dap.records_of("hook") if r["point"] == "custom.x"]
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 1  # custom.other has no breakpoint
    assert dap.stdout() == lang.hooks_stdout


@each_language
def test_function_breakpoint_on_every_hook_point(host, lang_spell, lang: Language):
    """`hook` alone stops at every point fired, even one with no hooks registered."""
    dap = host().launch(lang_spell(lang, lang.hooks), functions=["hook"])
    points = []
    while not dap._ended_or_stopped():
        points.append(dap.events_named("stopped")[-1]["description"])
        frames = dap.frames()  # answered even before the spell has started
        assert bool(frames) == (len(points) > 1)
        dap.resume()
    # run_start fires before the spell's first line (with no spell frame on the stack).
    assert [p.split()[-1] for p in points] == ["run_start", "custom.x", "custom.other"]


@each_language
def test_function_breakpoint_condition(host, lang_spell, lang: Language):
    """A function breakpoint's condition is evaluated in the spell's frame."""
    dap = host().launch(lang_spell(lang, lang.hooks), configure=False)
    condition = f"{lang.hooks_seen} > 0"
    dap("setFunctionBreakpoints", breakpoints=[{"name": "hook", "condition": condition}])
    dap("configurationDone")
    assert "custom.other" in dap.stopped()["description"]
    dap.resume()
    assert dap.exit_code() == 0


@each_language
def test_terminate_while_stopped_at_a_hook_point_ends_the_run(host, lang_spell, lang: Language):
    """terminate at a function breakpoint ends the run uncatchably (exit code 3)."""
    dap = host().launch(lang_spell(lang, lang.hook_caught), functions=["hook:custom.x"])
    dap.stopped()
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert "after" not in dap.stdout()
    assert dap.records_of("run.end")[0]["status"] == "terminated"
