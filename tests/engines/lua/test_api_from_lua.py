"""The spell API as a Lua spell sees it: every declared function, bound and working."""

from __future__ import annotations

from engines.api.declarations import API

MANIFEST = """\
name: api-user
version: 2.1.0
engine: lua
entry: main.lua
parameters:
  who: {type: string, default: Ada}
  count: {type: integer, default: 3}
permissions:
  env: [LLMSPELL_TEST_VAR]
"""


def test_every_declared_function_is_a_lua_function(run_lua):
    """The adapter exposes exactly the declared modules and functions."""
    checks = "\n".join(
        f'assert(type({m.name}.{f.name}) == "function", "{m.name}.{f.name}")'
        for m in API
        for f in m.functions
    )
    run = run_lua(checks + '\nprint("all bound")')
    assert run.result.status == "ok", run.error
    assert run.output == "all bound\n"


def test_params_and_spell_facts(run_lua):
    """params.get/all give the typed parameters; spell.* describe the running spell."""
    run = run_lua(
        """
        print(params.get("who"), params.get("count"), math.type(params.get("count")))
        print(params.get("missing", "fallback"), params.all().who)
        print(spell.name(), spell.version(), spell.engine(), #spell.run_id())
        """,
        manifest=MANIFEST,
        params={"who": "Grace", "count": 5},
    )
    assert run.result.status == "ok", run.error
    assert run.output.splitlines() == [
        "Grace\t5\tinteger",
        "fallback\tGrace",
        "api-user\t2.1.0\tlua\t12",
    ]


def test_state_update_with_a_lua_function(run_lua):
    """state.update calls a Lua function with the old value and stores its result."""
    run = run_lua(
        """
        state.set("n", 1)
        for i = 1, 3 do state.update("n", function(old) return old * 2 end) end
        state.update("user", {name = "Ada"})
        state.update("user", {role = "admin"})
        print(state.get("n"), state.get("user.name"), state.get("user.role"))
        print(table.concat(state.keys(), ","))
        """
    )
    assert run.output.splitlines() == ["8\tAda\tadmin", "n,user"]
    changes = [r.data for r in run.sink.of_kind("state")]
    assert [c["op"] for c in changes] == ["set", "update", "update", "update", "update", "update"]
    assert changes[1]["old"] == 1 and changes[1]["new"] == 2


def test_events_with_wildcards_and_order(run_lua):
    """Handlers written in Lua receive events in publish order, nested ones queued."""
    run = run_lua(
        """
        local seen = {}
        events.subscribe("a.*", function(t, d)
          seen[#seen + 1] = t .. ":" .. d.n
          if t == "a.first" then events.publish("a.nested", {n = 0}) end
        end)
        events.publish("a.first", {n = 1})
        events.publish("a.second", {n = 2})
        events.publish("b.other", {n = 3})
        print(table.concat(seen, " "))
        """
    )
    assert run.output == "a.first:1 a.nested:0 a.second:2\n"


def test_hooks_change_and_cancel_from_lua(run_lua):
    """Lua hooks run by priority, may replace the payload, and may cancel."""
    run = run_lua(
        """
        hooks.register("custom.x", function(p) p.trail = (p.trail or "") .. "low" return p end, 1)
        hooks.register("custom.x", function(p) p.trail = "high-" return p end, 9)
        local r = hooks.fire("custom.x", {})
        print(r.payload.trail, r.cancelled)
        hooks.register("custom.y", function(p) return {cancel = true, reason = "no"} end)
        local c = hooks.fire("custom.y", {v = 1})
        print(c.cancelled, c.reason)
        """
    )
    assert run.output.splitlines() == ["high-low\tfalse", "true\tno"]


def test_trace_and_metrics_from_lua(run_lua):
    """Spans nest and with_span returns the function's value; metrics keep totals."""
    run = run_lua(
        """
        local outer = trace.start_span("outer", {kind = "test"})
        local v = trace.with_span("inner", {}, function()
          trace.set_attribute("answer", 42)
          return 42
        end)
        trace.end_span(outer)
        metrics.counter("calls") metrics.counter("calls", 2)
        metrics.histogram("lat", 3) metrics.histogram("lat", 1)
        print(v, metrics.get("calls"), metrics.get("lat").max, metrics.get("lat").count)
        """
    )
    assert run.output == "42\t3\t3\t2\n"
    ends = {r.data["name"]: r.data for r in run.sink.of_kind("span.end")}
    assert ends["inner"]["parent"] == ends["outer"]["id"]
    assert ends["inner"]["attributes"] == {"answer": 42}


def test_env_reads_are_limited_to_declared_names(run_lua, monkeypatch):
    """util.env reads an allowed variable and refuses any other."""
    monkeypatch.setenv("LLMSPELL_TEST_VAR", "yes")
    monkeypatch.setenv("SECRET_VAR", "no")
    run = run_lua(
        """
        print(util.env("LLMSPELL_TEST_VAR"))
        print(pcall(util.env, "SECRET_VAR"))
        """,
        manifest=MANIFEST,
    )
    lines = run.output.splitlines()
    assert lines[0] == "yes"
    assert lines[1].startswith("false\t") and "not allowed" in lines[1]


def test_json_round_trip_and_util(run_lua):
    """json encodes and decodes Lua tables; util gives uuids and times."""
    run = run_lua(
        """
        local text = json.encode({list = {1, 2}, map = {k = "v"}})
        local back = json.decode(text)
        print(back.list[2], back.map.k, #util.uuid(), util.now() > 1.7e9)
        print(json.encode(nil), json.pretty({a = 1}))
        """
    )
    assert run.output.splitlines() == ["2\tv\t36\ttrue", "null\t{", '  "a": 1', "}"]


def test_log_records_carry_level_and_fields(run_lua):
    """Each log function emits a record with its level and fields."""
    run = run_lua(
        'log.debug("d") log.info("i", {n = 1}) log.warn("w") log.error("e", {ok = false})'
    )
    logs = [(r.data["level"], r.data["message"], r.data["fields"]) for r in run.sink.of_kind("log")]
    assert logs == [
        ("debug", "d", {}),
        ("info", "i", {"n": 1}),
        ("warn", "w", {}),
        ("error", "e", {"ok": False}),
    ]


def test_run_stop_hook_runs_after_the_spell(run_lua):
    """A run_stop hook registered by the spell runs when the spell ends, with its status."""
    run = run_lua(
        'hooks.register("run_stop", function(p) print("stop:" .. p.status) end)\nprint("body")'
    )
    assert run.output == "body\nstop:ok\n"
