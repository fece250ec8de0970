"""Error strategies per step and per workflow, and compensation (saga) in reverse order."""

from __future__ import annotations

from tests.engines.api.workflow.conftest import last_json, steps


def test_fail_is_the_default_and_names_the_step(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "w", steps = {
          {name = "boom", fn = function() error("no luck") end},
          {name = "never", fn = function() return {ran = true} end},
        }}
        local ok, err = pcall(workflow.run, id, {})
        print(ok, err)
    """)
    assert "false" in run.output
    assert "step w/boom failed" in run.output and "no luck" in run.output
    assert "never" not in {s["step"] for s in steps(run)}
    failed = [s for s in steps(run) if s["status"] == "failed"]
    assert failed[0]["node"] == "w/boom" and "no luck" in failed[0]["error"]


def test_continue_keeps_going_with_the_state_unchanged(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "w", on_error = "continue", steps = {
          {name = "boom", fn = function() error("no luck") end},
          {name = "next", fn = function(s) return {ran = true} end},
        }}
        print(json.encode(workflow.run(id, {x = 1})))
    """)
    assert last_json(run) == {"x": 1, "ran": True}
    boom = [s for s in steps(run) if s["step"] == "boom" and s["status"] != "running"]
    assert boom[0]["status"] == "failed" and boom[0]["recovered_by"] == "continue"


def test_retry_with_backoff_until_it_works(run_lua):
    run = run_lua("""
        local calls = 0
        local id = workflow.sequential{name = "w", steps = {
          {name = "flaky", on_error = {retry = 3, backoff = 0.01}, fn = function(s)
            calls = calls + 1
            if calls < 3 then error("try again") end
            return {calls = calls}
          end},
        }}
        print(json.encode(workflow.run(id)))
    """)
    assert last_json(run) == {"calls": 3}
    statuses = [s["status"] for s in steps(run)]
    assert statuses == ["running", "retrying", "retrying", "done"]
    assert steps(run)[-1]["attempts"] == 3


def test_retry_gives_up_after_its_count(run_lua):
    run = run_lua("""
        local calls = 0
        local id = workflow.sequential{name = "w", steps = {
          {name = "bad", on_error = {retry = 2}, fn = function() calls = calls + 1; error("x") end},
        }}
        print(pcall(workflow.run, id), calls)
    """)
    assert run.output.split("\t")[0] == "false"
    assert run.output.strip().endswith("3")


def test_fallback_step_runs_when_the_step_fails(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "w", steps = {
          {name = "primary", fn = function() error("down") end,
           on_error = {fallback = {name = "backup", fn = function(s) return {via = "backup"} end}}},
        }}
        print(json.encode(workflow.run(id)))
    """)
    assert last_json(run) == {"via": "backup"}
    done = [s for s in steps(run) if s["status"] == "done"]
    assert done[0]["recovered_by"] == "fallback" and "down" in done[0]["error"]


def test_a_workflow_policy_applies_to_steps_without_their_own(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "w", on_error = "continue", steps = {
          {name = "strict", on_error = "fail", fn = function() error("stop here") end},
        }}
        print(pcall(workflow.run, id))
    """)
    assert "stop here" in run.output


def test_saga_compensates_completed_steps_in_reverse_order(run_lua):
    run = run_lua("""
        local log = {}
        local function step(name)
          return {name = name, fn = function(s) log[#log + 1] = "do " .. name end,
                  compensate = function(s) log[#log + 1] = "undo " .. name end}
        end
        local inner = workflow.sequential{name = "inner", steps = {step("b"), step("c")}}
        local id = workflow.sequential{name = "saga", steps = {
          step("a"), inner, {name = "plain", fn = function() end},
          {name = "fail", fn = function() error("payment refused") end},
          step("never"),
        }}
        local ok, err = pcall(workflow.run, id)
        print(json.encode(log))
    """)
    assert last_json(run) == ["do a", "do b", "do c", "undo c", "undo b", "undo a"]
    compensated = [s["step"] for s in steps(run) if s["status"] == "compensated"]
    assert compensated == ["c", "b", "a"]


def test_a_failing_compensation_is_recorded_and_the_others_still_run(run_lua):
    run = run_lua("""
        local log = {}
        local id = workflow.sequential{name = "saga", steps = {
          {name = "a", fn = function() end, compensate = function() log[#log + 1] = "undo a" end},
          {name = "b", fn = function() end, compensate = function() error("cannot undo") end},
          {name = "c", fn = function() error("x") end},
        }}
        pcall(workflow.run, id)
        print(json.encode(log))
    """)
    assert last_json(run) == ["undo a"]
    bad = [s for s in steps(run) if s["status"] == "compensation_failed"]
    assert bad[0]["step"] == "b" and "cannot undo" in bad[0]["error"]


def test_a_step_returning_a_non_table_is_an_error(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "w", steps = {function() return 42 end}}
        print(pcall(workflow.run, id))
    """)
    assert "returns a table of updates or nil" in run.output
