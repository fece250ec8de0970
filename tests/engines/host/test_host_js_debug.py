"""The JavaScript debugger over DAP, on real host subprocesses: exact stepping, breakpoints,
stack, variables, evaluate, setVariable, pause, terminate, and an unchanged noDebug run.

A JavaScript line is seen before its first statement runs (a function declaration is not a
statement that runs: it is never seen), once however many statements it holds, again when
the code jumps back to it (a loop's test), and a `for` / `while` line before each test,
including the last. Expected stops are (line, depth): depth counts the spell's frames.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.engines.host.conftest import REPO

LOOP = """
let sum = 0
for (let i = 1; i <= 3; i++) {
  sum += i
}
print(sum)
"""

ADD = """
function add(a, b) {
  const s = a + b
  return s
}
const x = add(1, 2)
const y = add(x, 3)
print(x, y)
"""

FIB = """
function fib(n) {
  if (n < 2) return n
  return fib(n - 1) + fib(n - 2)
}
print(fib(3))
"""

EVENTS = """
let seen = 0
events.subscribe("ping", (kind, data) => {
  seen += data.n
})
events.publish("ping", { n: 2 })
print(seen)
"""

ERRORS = """
function boom() {
  throw new Error("bad")
}
let ok = true
try { boom() } catch (e) { ok = false }
print(ok)
boom()
print("never")
"""

NESTED = """
const config = { name: "x", deep: { list: [10, 20, 30], inner: { leaf: true } } }
let count = 2
function show(prefix) {
  const text = prefix + config.name + count
  return text
}
print(show("a"))
print(count, config.name, config.deep.inner.leaf)
"""


def _js(spell, source):
    return spell(source, name="main.js")


def _start(host, spell, source, **launch):
    dap = host().launch(_js(spell, source), stopOnEntry=True, **launch)
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


def _at(host, spell, source, line):
    dap = host().launch(_js(spell, source), breakpoints=[line])
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == line
    return dap


# -- stepping ---------------------------------------------------------------------------------


def test_step_over_a_for_loop(host, spell):
    """next through three iterations sees the loop line before each test, the last too."""
    dap = _start(host, spell, LOOP)
    assert [line for line, _ in _trace(dap, "next")] == [1, 2, 3, 2, 3, 2, 3, 2, 5]
    assert dap.exit_code() == 0
    assert dap.stdout() == "6\n"


def test_step_over_calls_stays_in_the_caller(host, spell):
    """next over a call does not stop inside it; the function declaration is never seen."""
    dap = _start(host, spell, ADD)
    assert _trace(dap, "next") == [(5, 1), (6, 1), (7, 1)]
    assert dap.stdout() == "3 6\n".replace(" ", "\t")


def test_step_in_enters_each_call(host, spell):
    """stepIn enters add twice and comes back to the caller's next line."""
    dap = _start(host, spell, ADD)
    assert _trace(dap, "stepIn") == [(5, 1), (2, 2), (3, 2), (6, 1), (2, 2), (3, 2), (7, 1)]


def test_step_out_returns_to_the_caller(host, spell):
    """stepOut from inside add stops at the caller's next line."""
    dap = _start(host, spell, ADD)
    assert _step(dap, "stepIn") == (2, 2)
    assert _step(dap, "stepOut") == (6, 1)
    assert _step(dap, "stepIn") == (2, 2)
    assert _step(dap, "next") == (3, 2)
    assert _step(dap, "next") == (7, 1)


def test_step_in_through_recursion(host, spell):
    """stepIn through fib(3) follows every call at its depth; `if (...) return n` on one
    line is one stop."""
    dap = _start(host, spell, FIB)
    assert _trace(dap, "stepIn") == [
        (5, 1),
        (2, 2), (3, 2),  # fib(3)
        (2, 3), (3, 3),  # fib(2)
        (2, 4),          # fib(1)
        (2, 4),          # fib(0)
        (2, 3),          # fib(1), called by fib(3)
    ]  # fmt: skip
    assert dap.stdout() == "2\n"


def test_step_over_and_out_in_recursion_use_the_depth(host, spell):
    """next inside fib(2) skips the deeper calls; stepOut leaves for a shallower frame."""
    dap = host().launch(_js(spell, FIB), breakpoints=[{"line": 3, "hitCondition": "2"}])
    dap.stopped()
    assert _here(dap) == (3, 3)
    dap.set_breakpoints([])
    assert _step(dap, "next") == (2, 3)  # fib(1), called by fib(3) once fib(2) returned
    dap("stepOut", threadId=1)
    assert dap._ended_or_stopped() is True
    assert dap.exit_code() == 0


def test_step_in_through_an_api_call_that_calls_back_javascript(host, spell):
    """stepIn at events.publish enters the handler that Python calls back."""
    dap = _start(host, spell, EVENTS)
    assert _trace(dap, "stepIn") == [(1, 1), (2, 1), (5, 1), (3, 2), (6, 1)]
    assert dap.stdout() == "2\n"


def test_step_over_an_api_call_that_calls_back_javascript(host, spell):
    """next over events.publish runs the handler without stopping in it."""
    dap = _start(host, spell, EVENTS)
    assert [line for line, _ in _trace(dap, "next")] == [1, 2, 5, 6]


def test_step_through_a_caught_error(host, spell):
    """stepIn enters boom; its error goes back to the catch on the same line, then on."""
    dap = _start(host, spell, ERRORS)
    assert _here(dap) == (4, 1)
    assert _step(dap, "stepIn") == (5, 1)
    assert _step(dap, "stepIn") == (2, 2)
    assert _step(dap, "stepIn") == (6, 1)
    assert dap.locals()["ok"] == "false"


def test_step_through_for_of_while_and_switch(host, spell):
    """for-of shows its line before each item; while before each test; switch cases."""
    source = """
    let out = []
    for (const x of [1, 2]) {
      out.push(x)
    }
    let n = 0
    while (n < 1) n++
    switch (n) {
      case 1:
        out.push("one")
        break
      default:
        out.push("other")
    }
    print(out.join())
    """
    dap = _start(host, spell, source)
    assert [line for line, _ in _trace(dap, "next")] == [
        1, 2, 3, 2, 3, 5, 6, 6, 7, 9, 10, 14
    ]  # fmt: skip
    assert dap.stdout() == "1,2,one\n"


def test_uncaught_error_stops_where_it_is_thrown_with_the_stack(host, spell):
    """With the `error` filter, an uncaught error stops at the throw, stack intact; the
    caught one before it does not stop."""
    dap = host().launch(_js(spell, ERRORS), exceptions=["error"])
    stopped = dap.stopped()
    assert stopped["reason"] == "exception"
    assert "bad" in stopped["text"]
    assert dap.where() == [("boom", 2), ("main chunk", 7)]
    assert dap.locals(frame=2)["ok"] == "false"
    dap.resume()
    assert dap.exit_code() == 1
    assert dap.records_of("run.end")[0]["error"]["line"] == 2
    assert "never" not in dap.stdout()


def test_uncaught_error_without_the_filter_does_not_stop(host, spell):
    """Without exception filters the error ends the run at once (exit code 1)."""
    dap = host().launch(_js(spell, ERRORS))
    assert dap.exit_code() == 1
    assert dap.events_named("stopped") == []


def test_runaway_recursion_under_the_debugger_ends_as_the_recursion_limit(host, spell):
    """A stack overflow leaves no room to serve a stop: even with the `error` filter the run
    ends as the `recursion` limit (exit code 3), without hanging."""
    source = "function f(n) {\n  return f(n + 1) + 1\n}\nf(0)\n"
    dap = host().launch(_js(spell, source), exceptions=["error"])
    assert dap.exit_code(10) == 3
    assert dap.records_of("run.end")[0]["error"]["limit"] == "recursion"
    assert dap.events_named("stopped") == []


# -- breakpoints --------------------------------------------------------------------------------

BREAK_LOOP = """
let total = 0
for (let i = 1; i <= 6; i++) {
  total += i
}
print(total)
"""


def _stops(dap, line: int) -> list[str]:
    seen = []
    while not dap._ended_or_stopped():
        assert dap.line() == line
        seen.append(dap.evaluate("i", "watch"))
        dap.resume()
    return seen


def test_breakpoint_stops_every_iteration(host, spell):
    """A breakpoint in a loop stops once per iteration, with its id."""
    dap = host().launch(_js(spell, BREAK_LOOP), configure=False)
    [bp] = dap.set_breakpoints([3])
    dap("configurationDone")
    first = dap.stopped()
    assert first["hitBreakpointIds"] == [bp["id"]]
    seen = [dap.evaluate("i", "watch")]
    dap.resume()
    assert seen + _stops(dap, 3) == ["1", "2", "3", "4", "5", "6"]
    assert dap.exit_code() == 0


def test_conditions_and_hit_counts(host, spell):
    """condition, hitCondition, both; a broken condition never stops."""
    for spec, expected in [
        ({"condition": "i === 3"}, ["3"]),
        ({"condition": "nothing.here === 1"}, []),
        ({"hitCondition": ">=5"}, ["5", "6"]),
        ({"hitCondition": "%3"}, ["3", "6"]),
        ({"condition": "i % 2 === 1", "hitCondition": "2"}, ["3"]),
    ]:
        dap = host().launch(_js(spell, BREAK_LOOP), breakpoints=[{"line": 3, **spec}])
        assert _stops(dap, 3) == expected, spec
        assert dap.exit_code() == 0


def test_logpoint_interpolates_and_does_not_stop(host, spell):
    """A logpoint prints its message with {expressions} filled in, and never stops."""
    bp = {"line": 3, "logMessage": "i={i} total={total} bad={nope.x}"}
    dap = host().launch(_js(spell, BREAK_LOOP), breakpoints=[bp])
    assert dap.exit_code() == 0
    assert dap.events_named("stopped") == []
    logs = [o["output"] for o in dap.outputs("console") if o.get("line") == 3]
    assert [text.split(" bad")[0] for text in logs] == [
        f"i={i} total={sum(range(i))}" for i in range(1, 7)
    ]
    assert all("bad=<error: " in text for text in logs)


def test_breakpoint_set_while_running_is_hit(host, spell):
    """A breakpoint set while a long loop runs is hit without a pause first."""
    source = """
    print("looping")
    let n = 0
    while (true) {
      n++
      if (n < 0) break
    }
    """
    dap = host().launch(_js(spell, source), limits={"timeout": 5})
    dap.wait_event("output")
    time.sleep(0.05)
    dap.set_breakpoints([4])
    assert dap.stopped(2)["reason"] == "breakpoint"
    assert dap.line() == 4
    assert int(dap.evaluate("n", "watch")) > 0
    dap("terminate")
    assert dap.exit_code(2) == 3


def test_function_breakpoint_on_a_hook_point(host, spell):
    """`hook:custom.x` stops at hooks.fire from JavaScript, before the hook runs."""
    source = """
    const seen = []
    hooks.register("custom.x", (payload) => {
      seen.push(payload.n)
      return { n: payload.n + 1 }
    })
    const result = hooks.fire("custom.x", { n: 1 })
    print(seen.length, result.payload.n)
    """
    dap = host().launch(_js(spell, source), functions=["hook:custom.x"])
    stopped = dap.stopped()
    assert stopped["llmspell"] == {"kind": "hook", "payload": {"n": 1}}
    assert dap.where() == [("main chunk", 6)]
    assert dap.evaluate("seen.length", "watch") == "0"
    dap("setFunctionBreakpoints", breakpoints=[])  # the hook itself is a line breakpoint away
    dap.set_breakpoints([3])
    dap.resume()
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.where() == [("function <main.js:2>", 3), ("main chunk", 6)]
    assert dap.locals() == {"payload": "{n: 1}"}
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "1\t2\n"


def test_function_breakpoint_on_a_tool(host, spell):
    """`tool` stops before a tool call made from JavaScript, with the frame that made it."""
    source = """
    const answer = tools.call("calculate", { expression: "6 * 7" })
    print(JSON.stringify(answer))
    """
    dap = host().launch(_js(spell, source), functions=["tool"])
    stopped = dap.stopped()
    assert stopped["reason"] == "function breakpoint"
    assert stopped["llmspell"]["kind"] == "tool"
    assert dap.where() == [("main chunk", 1)]
    dap.resume()
    assert dap.exit_code() == 0
    assert "42" in dap.stdout()


# -- inspection ---------------------------------------------------------------------------------


def test_stack_scopes_and_lazy_expansion(host, spell):
    """Frames innermost first; Locals, Closure, Globals; objects expand one level at a time."""
    dap = _at(host, spell, NESTED, 5)
    assert dap.where() == [("show", 5), ("main chunk", 7)]
    scopes = dap("scopes", frameId=1)["scopes"]
    assert [s["name"] for s in scopes] == ["Locals", "Closure", "Globals"]
    assert dap.vars(scopes[0]["variablesReference"]) == {"prefix": '"a"', "text": '"ax2"'}
    closure = {
        v["name"]: v
        for v in dap("variables", variablesReference=scopes[1]["variablesReference"])["variables"]
    }
    assert set(closure) == {"config", "count", "show"}
    assert closure["count"]["value"] == "2" and closure["count"]["variablesReference"] == 0
    config = closure["config"]
    assert config["type"] == "object" and config["variablesReference"] > 0
    level1 = {
        v["name"]: v
        for v in dap("variables", variablesReference=config["variablesReference"])["variables"]
    }
    assert level1["name"]["value"] == '"x"'
    level2 = {
        v["name"]: v
        for v in dap("variables", variablesReference=level1["deep"]["variablesReference"])[
            "variables"
        ]
    }
    assert dap.vars(level2["list"]["variablesReference"]) == {"0": "10", "1": "20", "2": "30"}
    assert level2["list"]["value"] == "(3) [10, 20, 30]"
    assert dap.vars(level2["inner"]["variablesReference"]) == {"leaf": "true"}
    assert set(dap.locals(frame=2)) == {"config", "count", "show"}


def test_uninitialized_let_shows_as_such(host, spell):
    """A let still in its temporal dead zone reads as <uninitialized>."""
    dap = _at(host, spell, "let a = 1\nprint(a)\nlet later = 2\nprint(later)\n", 2)
    assert dap.locals() == {"a": "1", "later": "<uninitialized>"}


def test_evaluate_in_frames_and_contexts(host, spell):
    """evaluate reads the frame asked for, in watch, hover and repl contexts."""
    dap = _at(host, spell, NESTED, 5)
    assert dap.evaluate("prefix + count") == '"a2"'
    assert dap.evaluate("config.deep.list[1] * 2", "watch") == "40"
    assert dap.evaluate("text", "hover") == '"ax2"'
    assert dap.evaluate("typeof show", "watch", frame=2) == '"function"'
    assert dap.evaluate("typeof prefix", "watch", frame=2) == '"undefined"'
    body = dap("evaluate", expression="config.deep", context="watch", frameId=1)
    assert body["type"] == "object" and body["variablesReference"] > 0
    assert set(dap.vars(body["variablesReference"])) == {"list", "inner"}
    assert "ReferenceError" in dap.error("evaluate", expression="nothing.here", frameId=1)
    assert dap.evaluate("state.set('k', 5); state.get('k')") == "5"  # the API works here


def test_repl_assignments_and_set_variable_reach_the_spell(host, spell):
    """`x = 5` in the repl and setVariable (locals, closure, object fields) change the run."""
    dap = _at(host, spell, NESTED, 4)
    dap.evaluate("prefix = 'b'")
    scopes = dap("scopes", frameId=1)["scopes"]
    closure_ref = scopes[1]["variablesReference"]
    answer = dap("setVariable", variablesReference=closure_ref, name="count", value="40 + 2")
    assert answer["value"] == "42"
    config_ref = next(
        v["variablesReference"]
        for v in dap("variables", variablesReference=closure_ref)["variables"]
        if v["name"] == "config"
    )
    dap("setVariable", variablesReference=config_ref, name="name", value='"N"')
    assert "no variable" in dap.error(
        "setVariable", variablesReference=scopes[0]["variablesReference"], name="nope", value="1"
    )
    assert "const" in dap.error(
        "setVariable", variablesReference=closure_ref, name="config", value="1"
    )
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout().splitlines() == ["bN42", "42\tN\ttrue"]


# -- control ------------------------------------------------------------------------------------


def test_pause_stops_a_busy_loop_and_continue_goes_on(host, spell):
    """pause stops `while (true) {}`; paused time does not count; terminate ends it."""
    dap = host().launch(_js(spell, 'print("spinning")\nwhile (true) {}\n'), limits={"timeout": 5})
    dap.wait_event("output")
    for _ in range(2):
        sent = time.monotonic()
        dap("pause", threadId=1)
        assert dap.stopped(2)["reason"] == "pause"
        print(f"pause → stopped: {(time.monotonic() - sent) * 1000:.1f} ms")
        assert dap.where() == [("main chunk", 2)]
        dap.resume()
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert dap.records_of("run.end")[0]["status"] == "terminated"


def test_terminate_while_stopped(host, spell):
    """terminate at a breakpoint ends the run uncatchably (exit code 3)."""
    dap = host().launch(
        _js(spell, "try {\n  print(1)\n} catch (e) {}\nprint(2)\n"), breakpoints=[2]
    )
    dap.stopped()
    dap("terminate")
    assert dap.exit_code(2) == 3
    assert dap.stdout() == ""


def test_debugged_run_prints_what_a_plain_run_prints(host, spell):
    """Under the debugger (no breakpoints) and with noDebug the spell's output is the same."""
    source = """
    const xs = [3, 1, 2].map((x) => x * 2).sort()
    class A { constructor(v) { this.v = v } get twice() { return this.v * 2 } }
    function* gen() { yield 1; yield 2 }
    async function later() { await null; return "late" }
    const s = `${xs.join("-")} ${new A(4).twice} ${[...gen()]} ${/a;b/.test("a;b")}`
    print(s, await later())
    """
    outputs = []
    for no_debug in (True, False):
        dap = host().launch(_js(spell, source), noDebug=no_debug)
        assert dap.exit_code() == 0
        outputs.append(dap.stdout())
    assert outputs[0] == outputs[1] == "2-4-6 8 1,2 true\tlate\n"


def test_a_run_without_debugger_never_imports_tree_sitter(tmp_path):
    """noDebug (the CLI's `run`) must not load the instrumenter or tree-sitter."""
    (tmp_path / "main.js").write_text("print(1)\n")
    code = (
        "import json, sys\n"
        "from engines.api.services import Services\n"
        "from engines.runner import context_for, run_spell\n"
        "from engines.spell.loader import load_spell\n"
        f"spell = load_spell({str(tmp_path / 'main.js')!r})\n"
        "result = run_spell(spell, context_for(spell, {}, []))\n"
        "print(json.dumps([result.status, [m for m in sys.modules if 'tree_sitter' in m\n"
        "    or m == 'engines.javascript.instrument' or m == 'engines.javascript.debug']]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.splitlines()[-1]) == ["ok", []]
