"""Figures for the Workflow pane (printed, never asserted): the worst time the pane takes to
follow a 2 000-record batch of a workflow flood (feed + refresh + repaint, with a loop step
selected so its details follow the latest iteration), and what a click on a step costs (its
input rebuilt by replaying the steps before it).

The records come from a real Lua spell: a loop of ITERATIONS rounds, each a sequential step
and a parallel pair, every step changing the state (and a checkpoint after each round).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.telemetry import ListSink, Record
from ide.inspectors import InspectorHub
from ide.inspectors.models.workflow_flow import step_io
from ide.inspectors.views.workflow_view import WorkflowPane

BATCH = 2000
ITERATIONS = 2000

FLOOD_SPELL = """\
local pair = workflow.parallel{name = "pair", merge = "last_wins", steps = {
  {name = "left", fn = function(s) return {left = (s.left or 0) + 1} end},
  {name = "right", fn = function(s) return {right = s.n} end},
}}
local body = workflow.sequential{name = "body", steps = {
  {name = "count", fn = function(s) return {n = (s.n or 0) + 1, tag = "t" .. ((s.n or 0) % 7)} end},
  pair,
}}
local rounds = workflow.loop{name = "rounds", times = ITERATIONS, max_iterations = ITERATIONS,
  step = body}
workflow.run(rounds, {n = 0})
"""


def _records(tmp_path: Path) -> list[Record]:
    (tmp_path / "main.lua").write_text(FLOOD_SPELL.replace("ITERATIONS", str(ITERATIONS)))
    spell = load_spell(tmp_path / "main.lua")
    sink = ListSink()
    run_spell(spell, context_for(spell, {}, [sink], timeout=300))
    return sink.records


def test_workflow_pane_under_a_flood(qtbot, tmp_path: Path):
    from PySide6.QtWidgets import QApplication

    records = _records(tmp_path)
    steps = sum(1 for r in records if r.kind == "workflow.step")
    hub = InspectorHub(runs_db=tmp_path / "runs.sqlite3")
    pane = WorkflowPane(hub.workflow)
    qtbot.addWidget(pane)
    pane.resize(1100, 700)
    pane.show()
    app = QApplication.instance()
    assert app is not None
    spent: list[float] = []
    feeds: list[float] = []
    selected = False
    for i in range(0, len(records), BATCH):
        start = time.perf_counter()
        hub.feed(records[i : i + BATCH])
        fed = time.perf_counter()
        if not selected and "rounds/body/count" in hub.workflow.nodes:
            pane.refresher.flush()
            pane.select("rounds/body/count")
            selected = True
        pane.refresher.flush()
        pane.details.due()
        pane.repaint()
        app.processEvents()
        spent.append(time.perf_counter() - start)
        feeds.append(fed - start)
    model = hub.workflow
    last = len(model.nodes["rounds/body/pair/right"].executions) - 1
    start = time.perf_counter()
    io = step_io(model, "rounds/body/pair/right", last)
    click_last = time.perf_counter() - start
    start = time.perf_counter()
    step_io(model, "rounds/body/count", ITERATIONS // 2)  # behind the kept replay: from 0
    click_middle = time.perf_counter() - start
    assert io is not None and io.output["right"] == ITERATIONS
    print(
        f"\nworkflow pane, {len(records)} records ({steps} workflow.step, "
        f"{len(model.timeline)} executions): per {BATCH}-record batch feed (all models) + "
        f"refresh + repaint worst {max(spent) * 1000:.1f} ms, median "
        f"{statistics.median(spent) * 1000:.1f} ms (feed alone worst {max(feeds) * 1000:.1f} ms); "
        f"a click on the latest execution of a step {click_last * 1000:.1f} ms, on one in the "
        f"middle of the run {click_middle * 1000:.1f} ms (replayed from the start); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
