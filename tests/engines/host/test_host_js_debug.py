"""The JavaScript debugger over DAP, on real host subprocesses: what only JavaScript has to
step through (caught errors, for-of, while, switch), function breakpoints, stack, variables,
evaluate, setVariable, pause, terminate, and an unchanged noDebug run. The stepping and line
breakpoints every engine shares are in test_host_engines_debug.py.

A JavaScript line is seen before its first statement runs (a function declaration is not a
statement that runs: it is never seen), once however many statements it holds, again when
the code jumps back to it (a loop's test), and a `for` / `while` line before each test,
including the last. Expected stops are (line, depth): depth counts the spell's frames.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.engines.host.conftest import REPO
from tests.engines.host.languages import JAVASCRIPT
from tests.engines.host.scenarios import children, here, start, step, stopped_at, trace


def _js(spell, source):
    return spell(source, name="main.js")


def _start(host, spell, source, **launch):
    return start(host, _js(spell, source), **launch)


def _at(host, spell, source, line):
    return stopped_at(host, _js(spell, source), line)


# -- stepping ---------------------------------------------------------------------------------


def test_step_through_a_caught_error(host, spell):
    """stepIn enters boom; its error goes back to the catch on the same line, then on."""
    dap = _start(host, spell, JAVASCRIPT.errors)
    assert here(dap) == (4, 1)
    assert step(dap, "stepIn") == (5, 1)
    assert step(dap, "stepIn") == (2, 2)
    assert step(dap, "stepIn") == (6, 1)
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
    assert [line for line, _ in trace(dap, "next")] == [
        1, 2, 3, 2, 3, 5, 6, 6, 7, 9, 10, 14
    ]  # fmt: skip
    assert dap.stdout() == "1,2,one\n"


def test_runaway_recursion_under_the_debugger_ends_as_the_recursion_limit(host, spell):
    """A stack overflow leaves no room to serve a stop: even with the `error` filter the run
    ends as the `recursion` limit (exit code 3), without hanging."""
    source = "function f(n) {\n  return f(n + 1) + 1\n}\nf(0)\n"
    dap = host().launch(_js(spell, source), exceptions=["error"])
    assert dap.exit_code(10) == 3
    assert dap.records_of("run.end")[0]["error"]["limit"] == "recursion"
    assert dap.events_named("stopped") == []


# -- breakpoints --------------------------------------------------------------------------------


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


def test_uninitialized_let_shows_as_such(host, spell):
    """A let still in its temporal dead zone reads as <uninitialized>."""
    dap = _at(host, spell, "let a = 1\nprint(a)\nlet later = 2\nprint(later)\n", 2)
    assert dap.locals() == {"a": "1", "later": "<uninitialized>"}


def test_evaluate_in_frames_and_contexts(host, spell):
    """evaluate reads the frame asked for, in watch, hover and repl contexts."""
    dap = _at(host, spell, JAVASCRIPT.nested, 5)
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
    dap = _at(host, spell, JAVASCRIPT.nested, 4)
    dap.evaluate("prefix = 'b'")
    scopes = dap("scopes", frameId=1)["scopes"]
    closure_ref = scopes[1]["variablesReference"]
    answer = dap("setVariable", variablesReference=closure_ref, name="count", value="40 + 2")
    assert answer["value"] == "42"
    config_ref = children(dap, closure_ref)["config"]["variablesReference"]
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
