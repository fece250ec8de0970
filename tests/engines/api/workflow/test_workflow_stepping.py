"""Stepping through a workflow from a DAP client (a real host subprocess): at a step stop the
client sees the step and a "Step state" scope, edits the state with setVariable, skips the
step (skipStep), steps over it with `next` to a stop after it, and runs it again (rerunStep);
stops in parallel branches that run at once come one at a time."""

from __future__ import annotations

import json

from tests.engines.host.conftest import host, spell  # noqa: F401  (fixtures)

PIPELINE = """
local runs = 0
local id = workflow.sequential{name = "w", steps = {
  {name = "first", fn = function(s) runs = runs + 1; return {a = s.start + 1} end},
  {name = "second", fn = function(s) return {b = s.a * 10} end},
}}
local final = workflow.run(id, {start = 1})
print(json.encode(final), runs)
"""


def step_scope(dap) -> dict:
    scopes = dap("scopes", frameId=1)["scopes"]
    assert scopes[0]["name"] == "Step state", scopes
    return scopes[0]


def test_initialize_advertises_the_step_requests(host):  # noqa: F811
    dap = host(initialize=False)
    capabilities = dap("initialize", clientID="tests", adapterID="llmspell")
    assert capabilities["supportsSkipStep"] is True
    assert capabilities["supportsRerunStep"] is True


def test_the_step_state_scope_shows_and_edits_what_the_step_receives(host, spell):  # noqa: F811
    dap = host().launch(spell(PIPELINE), functions=["step:first"])
    stopped = dap.stopped()
    assert stopped["llmspell"]["payload"]["name"] == "first"
    assert stopped["llmspell"]["payload"]["kind"] == "function"
    scope = step_scope(dap)
    assert dap.vars(scope["variablesReference"]) == {"start": "1"}
    changed = dap("setVariable", variablesReference=scope["variablesReference"], name="start",
                  value="41")  # fmt: skip
    assert changed["value"] == "41"
    assert "JSON" in dap.error(
        "setVariable", variablesReference=scope["variablesReference"], name="x", value="{oops"
    )
    dap.resume()
    assert dap.exit_code() == 0
    final, runs = dap.stdout().split("\t")
    assert json.loads(final) == {"start": 41, "a": 42, "b": 420}


def test_skip_step_goes_on_without_the_step(host, spell):  # noqa: F811
    dap = host().launch(
        spell(PIPELINE.replace("s.a * 10", "(s.a or 0) * 10")), functions=["step:first"]
    )
    dap.stopped()
    dap("skipStep", threadId=1)
    assert dap.exit_code() == 0
    final, runs = dap.stdout().split("\t")
    assert json.loads(final) == {"start": 1, "b": 0}
    assert runs.strip() == "0"
    skipped = [r for r in dap.records_of("workflow.step") if r["status"] == "skipped"]
    assert [(r["step"], r["reason"]) for r in skipped] == [("first", "skipped from the debugger")]


def test_next_stops_after_the_step_and_rerun_runs_it_again(host, spell):  # noqa: F811
    dap = host().launch(spell(PIPELINE), functions=["step:first"])
    dap.stopped()
    assert "rerunStep needs a stop after" in dap.error("rerunStep", threadId=1)
    dap("next", threadId=1)
    after = dap.stopped()
    assert after["reason"] == "step"
    assert after["llmspell"]["kind"] == "step_done"
    assert after["llmspell"]["payload"]["output"] == {"start": 1, "a": 2}
    assert "skipStep needs a stop before" in dap.error("skipStep", threadId=1)
    scope = step_scope(dap)
    dap("setVariable", variablesReference=scope["variablesReference"], name="start", value="5")
    dap("rerunStep", threadId=1)
    again = dap.stopped()
    assert again["llmspell"]["kind"] == "step_done"
    assert again["llmspell"]["payload"]["output"] == {"start": 5, "a": 6}
    dap("next", threadId=1)  # after a step, next stops before the next step
    before_second = dap.stopped()
    assert before_second["reason"] == "step"
    assert before_second["llmspell"]["payload"]["name"] == "second"
    dap.resume()
    assert dap.exit_code() == 0
    final, runs = dap.stdout().split("\t")
    assert json.loads(final) == {"start": 5, "a": 6, "b": 60}
    assert runs.strip() == "2"


def test_step_stops_in_concurrent_branches_come_one_at_a_time(host, spell):  # noqa: F811
    dap = host().launch(
        spell("""
        local p = workflow.parallel{name = "p", merge = "last_wins", steps = {
          {name = "left", fn = function(s) util.sleep(0.2); return {left = s.n + 1} end},
          {name = "right", fn = function(s) util.sleep(0.2); return {right = s.n + 2} end},
        }}
        print(json.encode(workflow.run(p, {n = 1})))
        """),
        functions=["step"],
    )
    names = set()
    for _ in range(2):
        stopped = dap.stopped()
        names.add(stopped["llmspell"]["payload"]["name"])
        assert dap.vars(step_scope(dap)["variablesReference"]) == {"n": "1"}
        dap.resume()
    assert names == {"left", "right"}
    assert dap.exit_code() == 0
    assert json.loads(dap.stdout()) == {"n": 1, "left": 2, "right": 3}


def test_a_line_breakpoint_inside_a_concurrent_branch_stops_there(host, spell):  # noqa: F811
    path = spell("""
    local p = workflow.parallel{name = "p", merge = "last_wins", steps = {
      {name = "left", fn = function(s)
        util.sleep(0.1)
        local mine = s.n + 1
        return {left = mine}
      end},
      {name = "right", fn = function(s) util.sleep(0.1); return {right = s.n + 2} end},
    }}
    print(json.encode(workflow.run(p, {n = 1})))
    """)
    dap = host().launch(path, breakpoints=[5])
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == 5
    assert dap.locals()["mine"] == "2"
    dap.resume()
    assert dap.exit_code() == 0
    assert json.loads(dap.stdout()) == {"n": 1, "left": 2, "right": 3}
