"""The JavaScript sandbox: no Node or browser APIs, no WebAssembly, no timers; eval stays inside."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "name",
    ["require", "process", "fetch", "XMLHttpRequest", "WebAssembly", "module", "exports",
     "Deno", "Bun", "setTimeout", "setInterval", "clearTimeout", "queueMicrotask",
     "FinalizationRegistry", "__timer_manager", "__llmspell_enter", "importScripts"],
)  # fmt: skip
def test_dangerous_globals_are_absent(run_js, name):
    """Each Node, browser or scheduling global is undefined inside the spell."""
    run = run_js(f"print(typeof {name})")
    assert run.result.status == "ok", run.error
    assert run.output == "undefined\n"


def test_atomics_cannot_schedule_work_later(run_js):
    """Atomics.waitAsync (a timer in disguise) is gone; the rest of Atomics stays."""
    run = run_js("print(typeof Atomics.waitAsync, typeof Atomics.load)")
    assert run.output == "undefined\tfunction\n"


def test_standard_library_is_present(run_js):
    """The ECMAScript library works: JSON, Math, Map, RegExp, Intl, classes, generators."""
    run = run_js(
        """
        class A { get x() { return 2; } }
        function* gen() { yield 1; yield 2; }
        print(JSON.stringify({a: [1]}), Math.max(1, 5), new Map([[1, 2]]).get(1),
              /b+/.exec("abbc")[0], new A().x, [...gen()].join(","),
              new Intl.NumberFormat("en-US").format(1234.5));
        """
    )
    assert run.output == '{"a":[1]}\t5\t2\tbb\t2\t1,2\t1,234.5\n'


def test_eval_reaches_only_the_same_sandbox(run_js):
    """eval and new Function compile in the same global scope: the API, nothing more."""
    run = run_js(
        """
        print(eval("typeof state.get"), new Function("return typeof require")(),
              (0, eval)("typeof process"));
        """
    )
    assert run.output == "function\tundefined\tundefined\n"


def test_import_is_a_syntax_error(run_js):
    """Modules cannot be imported: there is no loader."""
    run = run_js('import fs from "fs";\n')
    assert run.result.status == "error"
    assert run.error.kind == "syntax"


def test_dynamic_import_fails(run_js):
    """import() has no module loader behind it."""
    run = run_js(
        """
        try { await import("fs"); print("imported"); } catch (e) { print("refused"); }
        """
    )
    assert run.output == "refused\n"


def test_the_bridge_is_out_of_reach(run_js):
    """The prelude's entry points need a secret; the API objects are frozen."""
    run = run_js(
        """
        let refused = false;
        try { __llmspell_invoke("guess", 1, "[]"); } catch (e) { refused = e.message === "not allowed"; }
        state.get = () => "hijacked";
        print(refused, Object.isFrozen(state), typeof state.get("x"));
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == "true\ttrue\tobject\n"


def test_tampered_builtins_do_not_break_the_api(run_js):
    """A spell that replaces JSON or Array methods still talks to the API correctly."""
    run = run_js(
        """
        JSON.stringify = () => "nope"; JSON.parse = () => 0;
        Array.prototype.push = () => 0; Object.keys = () => [];
        state.set("k", {a: [1, 2]});
        const v = state.get("k");
        print(v.a[1]);
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == "2\n"
