"""Records, spans, hooks, the debugger's step stop and the checkpoint."""

from __future__ import annotations

from typing import Any

from engines.api.context import RunContext
from engines.api.services import Services
from tests.engines.api.workflow.conftest import last_json, steps

SPELL = """
    local inner = workflow.parallel{name = "fan", steps = {
      {name = "x", fn = function(s) return {x = 1} end},
      {name = "calc", tool = "calculate", arguments = {expression = "1 + 1"}},
    }}
    local c = workflow.conditional{name = "pick", branches = {
      {when = {path = "n", op = ">", value = 0}, step = inner}},
      default = {name = "none", fn = function() end}}
    local id = workflow.sequential{name = "main", steps = {
      {name = "start", fn = function(s) return {n = 1} end}, c}}
    print(json.encode(workflow.run(id, {})))
"""


def test_definition_has_nodes_and_edges_once_per_run(run_lua):
    run = run_lua(SPELL)
    definitions = run.sink.of_kind("workflow.definition")
    assert len(definitions) == 1
    graph = definitions[0].data
    ids = [n["id"] for n in graph["nodes"]]
    assert ids == [
        "main", "main/start", "main/pick", "main/pick/fan", "main/pick/fan/x",
        "main/pick/fan/calc", "main/pick/none",
    ]  # fmt: skip
    edges = {(e["from"], e["to"], e["kind"]) for e in graph["edges"]}
    assert ("main", "main/start", "next") in edges
    assert ("main/start", "main/pick", "next") in edges
    assert ("main/pick", "main/pick/fan", "n > 0") in edges
    assert ("main/pick", "main/pick/none", "default") in edges
    assert ("main/pick/fan", "main/pick/fan/calc", "parallel") in edges


def test_step_records_carry_status_duration_and_diff(run_lua):
    run = run_lua(SPELL)
    assert last_json(run) == {"n": 1, "x": {"x": 1}, "calc": {"calc": 2}}
    records = steps(run)
    start = [r for r in records if r["node"] == "main/start"]
    assert [r["status"] for r in start] == ["running", "done"]
    assert start[1]["duration_ms"] >= 0
    assert start[1]["diff"] == [{"path": "n", "op": "added", "old": None, "new": 1}]
    assert {"node": "main/pick/none", "status": "skipped"}.items() <= next(
        r for r in records if r["node"] == "main/pick/none"
    ).items()


def test_spans_nest_workflow_and_step_spans(run_lua):
    run = run_lua(SPELL)
    ends = {r.data["name"]: r.data for r in run.sink.of_kind("span.start")}
    for name in ("invoke_workflow main", "workflow_step start", "invoke_workflow fan",
                 "workflow_step calc", "execute_tool calculate"):  # fmt: skip
        assert name in ends, name
    by_id = {r.data["id"]: r.data for r in run.sink.of_kind("span.start")}
    tool = ends["execute_tool calculate"]
    assert by_id[tool["parent"]]["name"] == "workflow_step calc"
    assert by_id[ends["workflow_step calc"]["parent"]]["name"] == "invoke_workflow fan"


def test_hooks_see_each_step_and_can_skip_or_change_it(run_lua):
    run = run_lua("""
        local seen = {}
        hooks.register("before_workflow_step", function(p)
          seen[#seen + 1] = p.step
          if p.step == "skip_me" then return false end
          if p.step == "edit" then p.state.v = 100; return p end
        end)
        hooks.register("after_workflow_step", function(p)
          seen[#seen + 1] = "after " .. p.step
        end)
        local id = workflow.sequential{name = "w", steps = {
          {name = "skip_me", fn = function() return {skipped_ran = true} end},
          {name = "edit", fn = function(s) return {w = s.v + 1} end},
        }}
        print(json.encode(seen))
        print(json.encode(workflow.run(id, {v = 1})))
    """)
    final = last_json(run)
    assert final == {"v": 100, "w": 101}
    assert "skipped" in [s["status"] for s in steps(run) if s["step"] == "skip_me"]


def test_the_debugger_hook_is_called_before_each_step(ctx: RunContext, services: Services) -> None:
    stops: list[tuple[str, Any, str, Any]] = []
    ctx.semantic_stop = lambda kind, name, description, payload=None: stops.append(
        (kind, name, description, payload)
    )
    wf = services.workflow
    wid = wf.sequential({"name": "w", "steps": [lambda s: {"a": 1}, lambda s: {"b": 2}]})
    assert wf.run(wid, {}) == {"a": 1, "b": 2}
    step_stops = [s for s in stops if s[0] == "step"]
    assert [(s[1], s[2]) for s in step_stops] == [
        ("step1", "before step step1"),
        ("step2", "before step step2"),
    ]
    assert step_stops[1][3] == {
        "step": "w/step2",
        "name": "step2",
        "kind": "function",
        "state": {"a": 1},
    }


def test_a_checkpoint_follows_each_step_at_any_depth(ctx: RunContext, services: Services) -> None:
    """After each step (nested ones too) the checkpoint holds the step, the state after it and
    the frames of the workflows in progress; at the end, the final state, `finished`."""
    wf = services.workflow
    inner = wf.sequential({"name": "inner", "steps": [lambda s: {"b": 2}]})
    wid = wf.sequential({"name": "w", "steps": [lambda s: {"a": 1}, inner]})
    wf.run(wid, {})
    checkpoint = services.state.get("workflow.w.checkpoint", None, "run")
    assert checkpoint == {
        "version": 2, "call": 1, "step": "w", "completed": 3, "state": {"a": 1, "b": 2},
        "frames": {}, "finished": True,
    }  # fmt: skip
    history = [
        r.data["new"]
        for r in ctx.telemetry.sinks[0].of_kind("state")  # type: ignore[attr-defined]
        if r.data.get("path") == "workflow.w.checkpoint"
    ]
    assert [c["step"] for c in history] == ["w/step1", "w/inner/step1", "w/inner", "w"]
    assert history[1]["frames"] == {
        "w": {"kind": "sequential", "done": 1, "step": "step1", "state": {"a": 1}},
        "w/inner": {"kind": "sequential", "done": 1, "step": "step1"},  # state: the checkpoint's
    }
    assert history[1]["state"] == {"a": 1, "b": 2}


def test_python_callers_and_list(services: Services) -> None:
    wf = services.workflow
    wf.loop({"name": "l", "times": 2, "step": lambda s: {"n": s.get("n", 0) + 1}})
    assert wf.run("l") == {"n": 2}
    assert wf.list() == [{"id": "l", "name": "l", "type": "loop", "steps": 1}]
