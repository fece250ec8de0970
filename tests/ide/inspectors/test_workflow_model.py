"""The Workflow inspector's model, fed by the records of real workflow runs, without widgets:
the graph, each step's status and duration, loops, retries, skips, failures, inputs and
outputs, the layout, and a run opened from the run store."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.spell.params import resolve_params
from engines.store.runs import RunStore, StoreSink
from engines.telemetry import ListSink, Record
from ide.inspectors import InspectorHub
from ide.inspectors.models.workflow import WorkflowModel
from ide.inspectors.models.workflow_flow import step_io
from ide.inspectors.models.workflow_layout import NODE_H, layout

SPELLBOOK = Path(__file__).resolve().parents[3] / "resources" / "spellbook"
RESEARCH = "research/"


def run_spellbook(name: str, params: dict[str, Any] | None = None) -> list[Record]:
    spell = load_spell(SPELLBOOK / name)
    sink = ListSink()
    run_spell(spell, context_for(spell, resolve_params(spell, params or {}, {}), [sink]))
    return sink.records


def run_source(folder: Path, source: str) -> list[Record]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.lua").write_text(textwrap.dedent(source))
    spell = load_spell(folder / "main.lua")
    sink = ListSink()
    run_spell(spell, context_for(spell, {}, [sink]))
    return sink.records


def fed(records: list[Record]) -> WorkflowModel:
    model = WorkflowModel()
    model.feed(records)
    return model


def test_research_pipeline_graph_statuses_and_durations():
    """Sequential, parallel and conditional: every node of the definition, in declared order,
    each done with a duration, the branch not chosen skipped, the condition as its label."""
    model = fed(run_spellbook("research-pipeline"))
    assert model.roots == ["research"]
    assert model.nodes["research"].children == [
        "research/gather", "research/analyse", "research/score", "research/report",
    ]  # fmt: skip
    assert model.nodes["research/analyse"].type == "parallel"
    assert model.nodes["research/analyse/length"].target == "calculate"
    assert model.nodes["research/report/long_report"].label == "score > 5"
    assert model.nodes["research/report/short_report"].label == "default"
    statuses = {node: model.status(node) for node in model.nodes}
    assert statuses.pop("research/report/short_report") == "skipped"
    assert model.nodes["research/report/short_report"].last.reason == "not chosen"
    assert set(statuses.values()) == {"done"}
    for node in statuses:
        assert model.duration_ms(node) is not None and model.duration_ms(node) >= 0
    assert model.counts()["done"] == 7 and model.counts()["skipped"] == 1


def test_research_pipeline_inputs_outputs_and_diffs():
    """A step's input is the previous step's output; parallel branches share their input;
    the top-level input is rebuilt from the first checkpoint."""
    model = fed(run_spellbook("research-pipeline"))
    gather = step_io(model, "research/gather")
    assert gather.input == {"topic": "tidal energy"} and gather.exact
    assert gather.output["count"] == 3
    assert [d["path"] for d in gather.diff] == ["count", "sources"]
    length = step_io(model, "research/analyse/length")
    terms = step_io(model, "research/analyse/terms")
    assert length.input == terms.input == gather.output
    assert length.output["words"] == 29 and "keywords" in terms.output
    score = step_io(model, "research/score")
    assert score.input["length"] == {"words": 29}
    assert score.output["score"] == 9
    report = step_io(model, "research/report/long_report")
    assert report.input == score.output
    assert report.output["report"].startswith("tidal energy: 3 sources")
    assert step_io(model, "research/report/short_report").output is None  # skipped


def test_loops_have_one_execution_per_iteration(tmp_path: Path):
    """loop-until-done: a loop body runs several times; a second top-level workflow is a
    second root; the state flows from one iteration to the next."""
    model = fed(run_spellbook("loop-until-done"))
    assert model.roots[:2] == ["loops", "forever"]
    newton = model.nodes["loops/refine/newton"]
    assert [e.iteration for e in newton.executions] == [1, 2, 3, 4]
    assert model.iterations("loops/refine/newton") == 4
    assert model.status("loops/refine") == "done"
    total = sum(e.duration_ms for e in newton.executions)
    assert abs(model.duration_ms("loops/refine/newton") - total) < 1e-9
    second = step_io(model, "loops/refine/newton", 1)
    first = step_io(model, "loops/refine/newton", 0)
    assert second.input["estimate"] == first.output["estimate"] == 1.5
    assert not second.exact  # a loop's input may lack item and index
    assert step_io(model, "loops/refine/newton").output["done"] is True


def test_retries_fallback_continue_failure_and_compensation():
    """retry-and-compensate: attempts counted, a recovered failure, a failed step that let
    the workflow continue, the failing step, then compensations in reverse order."""
    model = fed(run_spellbook("retry-and-compensate"))
    check = model.nodes["trip/check_availability"].last
    assert check.status == "done" and check.attempts == 3
    assert [r["attempt"] for r in check.retries] == [1, 2]
    price = model.nodes["trip/price_quote"].last
    assert price.status == "done" and price.recovered_by == "fallback" and price.error
    seat = model.nodes["trip/seat_upgrade"].last
    assert seat.status == "failed" and seat.recovered_by == "continue"
    assert model.status("trip/pay") == "failed"
    assert "over the budget" in model.nodes["trip/pay"].last.error
    assert model.status("trip/book_hotel") == model.status("trip/book_flight") == "compensated"
    assert model.status("trip") == "failed"


def test_nested_workflows_and_a_workflow_run_from_a_step(tmp_path: Path):
    """A workflow as a step is a group under its parent; a workflow started from inside a
    step function, which no definition names, is added when its records arrive."""
    records = run_source(
        tmp_path / "nested",
        """
        local inner = workflow.sequential{name = "inner", steps = {
          {name = "a", fn = function(s) return {a = 1} end},
          {name = "b", fn = function(s) return {b = s.a + 1} end},
        }}
        local side = workflow.sequential{name = "side", steps = {
          {name = "x", fn = function(s) return {x = true} end}}}
        local outer = workflow.sequential{name = "outer", steps = {
          inner,
          {name = "call", fn = function(s) workflow.run(side, {}) return {called = true} end},
        }}
        workflow.run(outer, {})
        """,
    )
    model = fed(records)
    assert model.nodes["outer/inner"].type == "sequential"
    assert model.nodes["outer/inner"].children == ["outer/inner/a", "outer/inner/b"]
    assert step_io(model, "outer/inner/b").input == {"a": 1}
    dynamic = [n for n in model.nodes.values() if n.dynamic]
    assert dynamic and all(model.status(n.id) == "done" for n in dynamic if not n.children)
    assert {n.name for n in dynamic} >= {"side", "x"}
    shapes = layout(model)
    assert set(shapes.boxes) == set(model.nodes)


def test_a_failure_fails_its_parents_and_a_stopped_run_fails_running_steps():
    """A step error fails the workflows around it; a run that ends while a step is running
    leaves it failed, not running forever."""
    model = WorkflowModel()
    model.feed(
        [
            {
                "kind": "workflow.definition",
                "seq": 1,
                "ts": 0.0,
                "workflow": "w",
                "nodes": [
                    {
                        "id": "w",
                        "name": "w",
                        "kind": "workflow",
                        "type": "sequential",
                        "parent": None,
                    },
                    {"id": "w/s", "name": "s", "kind": "function", "parent": "w"},
                    {"id": "w/t", "name": "t", "kind": "function", "parent": "w"},
                ],
                "edges": [],
            },
            {
                "kind": "workflow.step",
                "seq": 2,
                "ts": 1.0,
                "node": "w/s",
                "step": "s",
                "status": "running",
            },
            {"kind": "run.end", "seq": 3, "ts": 2.5, "status": "terminated"},
        ]  # fmt: skip
    )
    assert model.status("w/s") == "failed" and "terminated" in model.nodes["w/s"].last.error
    assert model.status("w/t") == "pending"
    assert model.status("w") == "failed"
    assert model.duration_ms("w") is None or model.duration_ms("w") >= 0


def test_debugger_stop_gives_the_exact_input():
    """A stop before a step names it (the pane highlights it) and gives its input."""
    model = fed(run_spellbook("research-pipeline"))
    model.set_paused("research/score", {"exact": True})
    assert model.paused == "research/score"
    model.set_paused(None)
    assert model.paused is None
    model.set_paused("research/gather", {"input": 1}, after=True)  # a stop after the step
    assert model.paused_after and "research/gather" not in model.stop_states
    model.set_paused(None)
    assert not model.paused_after
    # A step not yet run but paused before: its input is what the debugger showed.
    fresh = WorkflowModel()
    fresh.set_paused("w/s", {"n": 1})
    assert step_io(fresh, "w/s") is None  # the node is not known yet
    fresh.feed(
        [
            {
                "kind": "workflow.step",
                "seq": 1,
                "ts": 0.0,
                "node": "w/s",
                "step": "s",
                "status": "running",
            },
        ]  # fmt: skip
    )
    io = step_io(fresh, "w/s")
    assert io.input == {"n": 1} and io.exact and "debugger" in io.source


def test_layout_sequential_top_to_bottom_parallel_side_by_side():
    """Steps one after another stack downwards at one centre; branches sit side by side at
    one height, inside their workflow's box; a collapsed group is one node."""
    model = fed(run_spellbook("research-pipeline"))
    shapes = layout(model)
    boxes = shapes.boxes
    sequence = [boxes[c] for c in model.nodes["research"].children]
    assert all(a.bottom < b.y for a, b in zip(sequence, sequence[1:], strict=False))
    assert len({round(b.centre_x) for b in sequence}) == 1
    length, terms = boxes["research/analyse/length"], boxes["research/analyse/terms"]
    assert length.y == terms.y and length.x + length.w < terms.x
    analyse = boxes["research/analyse"]
    for inner in (length, terms):
        assert analyse.x < inner.x and inner.x + inner.w < analyse.x + analyse.w
        assert analyse.y < inner.y and inner.bottom < analyse.bottom
    labels = {e.label for e in shapes.edges if e.kind == "fork"}
    assert {"score > 5", "default"} <= labels
    folded = layout(model, {"research/analyse"})
    assert folded.boxes["research/analyse"].h == NODE_H
    assert "research/analyse/length" not in folded.boxes
    loop = layout(fed(run_spellbook("loop-until-done")))
    assert any(e.kind == "loop" for e in loop.edges)


def test_a_run_opened_from_the_run_store_shows_the_final_picture(tmp_path: Path):
    """The records of a stored run give the same graph and statuses as the live run."""
    db = tmp_path / "runs.sqlite3"
    with RunStore(db) as store:
        spell = load_spell(SPELLBOOK / "research-pipeline")
        sink = StoreSink(store)
        ctx = context_for(spell, resolve_params(spell, {}, {}), [sink])
        store.start_run(ctx.run_id, spell.name, spell.dir, spell.engine, {}, "test", os.getpid())
        run_spell(spell, ctx)
        sink.close()
    hub = InspectorHub(runs_db=db)
    opened = hub.runs.open(ctx.run_id).workflow
    live = fed(run_spellbook("research-pipeline"))
    assert list(opened.nodes) == list(live.nodes)
    assert {n: opened.status(n) for n in opened.nodes} == {n: live.status(n) for n in live.nodes}
    assert step_io(opened, "research/score").output["score"] == 9
    hub.runs.close()
