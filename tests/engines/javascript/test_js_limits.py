"""Limits end runaway JavaScript spells with a message that names the limit."""

from __future__ import annotations

import pytest

MANIFEST = """\
name: bounded
engine: javascript
entry: main.js
limits:
  timeout: {timeout}
  memory: {memory}
{extra}
"""


def manifest(timeout: str = "2s", memory: str = "32MB", extra: str = "") -> str:
    return MANIFEST.format(timeout=timeout, memory=memory, extra=extra)


@pytest.mark.parametrize(
    "source",
    [
        "while (true) {}",
        "for (;;) { try { while (true) {} } catch (e) {} }",
        "await null; while (true) {}",
        "Promise.resolve().then(() => { while (true) {} });",
        'events.subscribe("x", () => { while (true) {} }); events.publish("x");',
        "(async () => { await 0; for (;;) {} })();",
    ],
    ids=["loop", "catch-loop", "after-await", "promise-job", "in-callback", "unawaited"],
)
def test_endless_spells_hit_the_time_limit(run_js, source):
    """No way of looping forever, in a callback or a Promise job, outlives the time limit."""
    run = run_js(source, manifest=manifest(timeout="0.5s"))
    assert run.result.status == "limit"
    assert run.result.exit_code == 3
    assert run.error.limit == "timeout"
    assert "time limit exceeded" in run.error.message


def test_sleeping_past_the_limit_is_stopped(run_js):
    """util.sleep wakes up at the deadline instead of sleeping on."""
    run = run_js("util.sleep(30)", manifest=manifest(timeout="0.3s"))
    assert run.error.limit == "timeout"


@pytest.mark.parametrize(
    "source",
    [
        'const a = []; while (true) a.push("x" + a.length);',
        "const m = new Map(); for (let i = 0; ; i++) m.set(i, {i});",
        'let s = []; for (;;) s.push("y".repeat(1000) + s.length);',
    ],
    ids=["array", "map", "strings"],
)
def test_memory_bomb_hits_the_memory_limit(run_js, source):
    """Allocating past the manifest's memory limit ends the run with the memory limit."""
    run = run_js(source, manifest=manifest(memory="16MB", timeout="20s"))
    assert run.result.status == "limit"
    assert run.error.limit == "memory"
    assert "16 MB" in run.error.message


def test_one_huge_string_is_a_catchable_range_error(run_js):
    """A single string beyond V8's maximum length is a RangeError the spell may catch."""
    run = run_js(
        'try { "x".repeat(2 ** 31); } catch (e) { print(e instanceof RangeError); }',
        manifest=manifest(memory="16MB"),
    )
    assert run.result.status == "ok", run.error
    assert run.output == "true\n"


def test_runaway_recursion_is_a_recursion_limit(run_js):
    """Unbounded recursion ends with a stack overflow naming the recursive line (exit 3)."""
    run = run_js("function f(n) { return 1 + f(n + 1); }\nprint(f(1));\n")
    assert run.result.exit_code == 3
    assert run.error.limit == "recursion"
    assert "stack overflow" in run.error.message
    assert run.error.line == 1


def test_caught_recursion_leaves_the_spell_running(run_js):
    """A spell may catch the RangeError and carry on, as in plain JavaScript."""
    run = run_js(
        """
        function f() { return f() + 1; }
        try { f(); } catch (e) { print(e.message); }
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == "Maximum call stack size exceeded\n"


def test_recursion_through_the_api_is_stopped(run_js):
    """Recursion that passes through Python callbacks ends cleanly, not with a crash."""
    run = run_js(
        """
        function f() { return trace.withSpan("s", {}, f); }
        f();
        """
    )
    assert run.result.status in ("error", "limit")
    assert "stack" in run.error.message or "recursion" in run.error.message


def test_instruction_budget_is_not_enforced(run_js):
    """V8 counts no instructions: the budget is documented as not enforced for JavaScript."""
    run = run_js(
        "let x = 0; for (let i = 0; i < 1e6; i++) x += i; print(x > 0);",
        manifest=manifest(extra="  instructions: 1000"),
    )
    assert run.result.status == "ok", run.error


def test_cli_timeout_overrides_the_manifest(run_js):
    """The timeout given by a client wins over the manifest's."""
    run = run_js("while (true) {}", manifest=manifest(timeout="60s"), timeout=0.3)
    assert run.error.limit == "timeout"


def test_a_promise_that_never_settles_ends_the_run(run_js):
    """Awaiting a Promise nothing can settle is an error at once, not a wait for the timeout."""
    run = run_js("await new Promise(() => {});", manifest=manifest(timeout="30s"))
    assert run.result.status == "error"
    assert "never settles" in run.error.message
    assert run.result.duration < 5
