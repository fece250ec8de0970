"""The spell API as a JavaScript spell sees it: every declared function, camelCased and working."""

from __future__ import annotations

import re

from engines.api.declarations import API

MANIFEST = """\
name: api-user
version: 2.1.0
engine: javascript
entry: main.js
parameters:
  who: {type: string, default: Ada}
  count: {type: integer, default: 3}
permissions:
  env: [LLMSPELL_TEST_VAR]
"""


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def test_every_declared_function_is_a_javascript_function(run_js):
    """The adapter exposes exactly the declared modules and functions, in camelCase."""
    checks = "\n".join(
        f'if (typeof {m.name}.{camel(f.name)} !== "function") throw new Error("{m.name}.{f.name}");'
        for m in API
        for f in m.functions
    )
    counts = "\n".join(
        f'if (Object.keys({m.name}).length !== {len(m.functions)}) throw new Error("{m.name}");'
        for m in API
    )
    run = run_js(checks + "\n" + counts + '\nprint("all bound")')
    assert run.result.status == "ok", run.error
    assert run.output == "all bound\n"


def test_camel_case_names(run_js):
    """snake_case declarations become camelCase: trace.startSpan, spell.runId."""
    run = run_js(
        "print(typeof trace.startSpan, typeof trace.withSpan, typeof spell.runId, "
        "typeof trace.start_span)"
    )
    assert run.output == "function\tfunction\tfunction\tundefined\n"


def test_params_and_spell_facts(run_js):
    """params.get/all give the typed parameters; spell.* describe the running spell."""
    run = run_js(
        """
        print(params.get("who"), params.get("count"), Number.isInteger(params.get("count")))
        print(params.get("missing", "fallback"), params.all().who)
        print(spell.name(), spell.version(), spell.engine(), spell.runId().length)
        """,
        manifest=MANIFEST.replace("main.lua", "main.js"),
        params={"who": "Grace", "count": 5},
    )
    assert run.result.status == "ok", run.error
    assert run.output.splitlines() == [
        "Grace\t5\ttrue",
        "fallback\tGrace",
        "api-user\t2.1.0\tjavascript\t12",
    ]


def test_state_update_with_a_javascript_function(run_js):
    """state.update calls a JavaScript function with the old value and stores its result."""
    run = run_js(
        """
        state.set("n", 1);
        for (let i = 0; i < 3; i++) state.update("n", (old) => old * 2);
        state.update("user", {name: "Ada"});
        state.update("user", {role: "admin"});
        print(state.get("n"), state.get("user.name"), state.get("user.role"));
        print(state.keys().join(","));
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output.splitlines() == ["8\tAda\tadmin", "n,user"]
    changes = [r.data for r in run.sink.of_kind("state")]
    assert [c["op"] for c in changes] == ["set", "update", "update", "update", "update", "update"]
    assert changes[1]["old"] == 1 and changes[1]["new"] == 2


def test_await_is_accepted_but_not_needed(run_js):
    """`await state.get(...)` gives the same value as `state.get(...)`; the top level may await."""
    run = run_js(
        """
        state.set("a.b", 42);
        const v = await state.get("a.b");
        await Promise.resolve();
        print(v, state.get("a.b"));
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == "42\t42\n"


def test_events_with_wildcards_and_order(run_js):
    """Handlers written in JavaScript receive events in publish order, nested ones queued."""
    run = run_js(
        """
        const seen = [];
        events.subscribe("a.*", (t, d) => {
          seen.push(t + ":" + d.n);
          if (t === "a.first") events.publish("a.nested", {n: 0});
        });
        events.publish("a.first", {n: 1});
        events.publish("a.second", {n: 2});
        events.publish("b.other", {n: 3});
        print(seen.join(" "));
        """
    )
    assert run.output == "a.first:1 a.nested:0 a.second:2\n"


def test_hooks_change_and_cancel_from_javascript(run_js):
    """JavaScript hooks run by priority, may replace the payload, and may cancel."""
    run = run_js(
        """
        hooks.register("custom.x", (p) => { p.trail = (p.trail || "") + "low"; return p; }, 1);
        hooks.register("custom.x", (p) => { p.trail = "high-"; return p; }, 9);
        const r = hooks.fire("custom.x", {});
        print(r.payload.trail, r.cancelled);
        hooks.register("custom.y", (p) => ({cancel: true, reason: "no"}));
        const c = hooks.fire("custom.y", {v: 1});
        print(c.cancelled, c.reason);
        """
    )
    assert run.output.splitlines() == ["high-low\tfalse", "true\tno"]


def test_trace_and_metrics_from_javascript(run_js):
    """Spans nest and withSpan returns the function's value; metrics keep totals."""
    run = run_js(
        """
        const outer = trace.startSpan("outer", {kind: "test"});
        const v = trace.withSpan("inner", {}, () => {
          trace.setAttribute("answer", 42);
          return 42;
        });
        trace.endSpan(outer);
        metrics.counter("calls"); metrics.counter("calls", 2);
        metrics.histogram("lat", 3); metrics.histogram("lat", 1);
        print(v, metrics.get("calls"), metrics.get("lat").max, metrics.get("lat").count);
        """
    )
    assert run.output == "42\t3\t3\t2\n"
    ends = {r.data["name"]: r.data for r in run.sink.of_kind("span.end")}
    assert ends["inner"]["parent"] == ends["outer"]["id"]
    assert ends["inner"]["attributes"] == {"answer": 42}


def test_with_span_error_ends_the_span_and_rethrows_the_same_error(run_js):
    """An exception in withSpan's body ends the span with status error and reaches the
    spell as the very same exception object."""
    run = run_js(
        """
        class Oops extends Error {}
        try {
          trace.withSpan("s", {}, () => { throw new Oops("inside"); });
        } catch (e) {
          print(e instanceof Oops, e.message);
        }
        """
    )
    assert run.output == "true\tinside\n"
    (end,) = run.sink.of_kind("span.end")
    assert end.data["status"] == "error"


def test_callbacks_calling_the_api_nest(run_js):
    """A callback may call the API, which may call another callback, to any depth."""
    run = run_js(
        """
        state.set("n", 0);
        const total = trace.withSpan("a", {}, () =>
          trace.withSpan("b", {}, () => {
            events.subscribe("tick", () => state.update("n", (n) => n + 1));
            events.publish("tick"); events.publish("tick");
            return state.get("n");
          }));
        print(total);
        """
    )
    assert run.output == "2\n"


def test_async_callbacks_are_refused_clearly(run_js):
    """An async function as a callback is an error naming the problem (callbacks are sync)."""
    run = run_js(
        """
        try {
          state.set("n", 1);
          state.update("n", async (old) => old + 1);
        } catch (e) {
          print(e.message.includes("Promise"));
        }
        """
    )
    assert run.output == "true\n"


def test_env_reads_are_limited_to_declared_names(run_js, monkeypatch):
    """util.env reads an allowed variable and refuses any other."""
    monkeypatch.setenv("LLMSPELL_TEST_VAR", "yes")
    monkeypatch.setenv("SECRET_VAR", "no")
    run = run_js(
        """
        print(util.env("LLMSPELL_TEST_VAR"));
        try { util.env("SECRET_VAR"); } catch (e) { print("refused", e.message); }
        """,
        manifest=MANIFEST,
    )
    lines = run.output.splitlines()
    assert lines[0] == "yes"
    assert lines[1].startswith("refused\t") and "not allowed" in lines[1]


def test_json_round_trip_and_util(run_js):
    """json encodes and decodes JavaScript values; util gives uuids and times."""
    run = run_js(
        """
        const text = json.encode({list: [1, 2], map: {k: "v"}});
        const back = json.decode(text);
        print(back.list[1], back.map.k, util.uuid().length, util.now() > 1.7e9);
        print(json.encode(null), json.pretty({a: 1}));
        """
    )
    assert run.output.splitlines() == ["2\tv\t36\ttrue", "null\t{", '  "a": 1', "}"]


def test_console_maps_to_print_and_log(run_js):
    """console.log prints; console.warn/error/info/debug become log records."""
    run = run_js('console.log("a", 1); console.warn("careful", 2); console.error("bad")')
    assert run.output == "a\t1\n"
    logs = [(r.data["level"], r.data["message"]) for r in run.sink.of_kind("log")]
    assert logs == [("warn", "careful 2"), ("error", "bad")]


def test_big_messages_cross_in_chunks(run_js):
    """Values larger than the shared buffer cross intact, both ways."""
    run = run_js(
        """
        const big = "x".repeat(3 * 1024 * 1024) + "é";
        state.set("big", big);
        const back = state.get("big");
        print(back.length, back === big);
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == f"{3 * 1024 * 1024 + 1}\ttrue\n"
