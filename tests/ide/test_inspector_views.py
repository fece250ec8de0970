"""The inspector panes: change the model (feed records of real runs), check what the view shows."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem, QTabWidget, QTreeWidgetItem

from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.spell.params import resolve_params
from engines.store.runs import RunStore, StoreSink
from engines.telemetry import ListSink, Record
from ide.inspectors import PANE_NAMES, InspectorHub, make_panes
from ide.inspectors.views import (
    EventsPane,
    MetricsPane,
    RunsPane,
    StatePane,
    TracesPane,
    WorkflowPane,
)

SPELLBOOK = Path(__file__).resolve().parents[2] / "resources" / "spellbook"

SPANS_SPELL = """\
trace.with_span("invoke_agent solver", {}, function()
  local id = trace.start_span("chat test/m", {["gen_ai.operation.name"] = "chat",
    ["llmspell.request.messages"] = json.encode({{role = "user", content = "Hi there"}})})
  trace.end_span(id, {["gen_ai.usage.input_tokens"] = 7, ["gen_ai.usage.output_tokens"] = 3,
    ["gen_ai.usage.cost"] = 0.5, ["llmspell.response.text"] = "Hello back"})
  metrics.counter("llm.tokens.input", 7, {model = "test/m"})
  metrics.histogram("llm.latency", 0.2, {model = "test/m"})
end)
print("done " .. params.get("n", 1))
"""


def run_spellbook(name: str) -> list[Record]:
    spell = load_spell(SPELLBOOK / name)
    sink = ListSink()
    run_spell(spell, context_for(spell, resolve_params(spell, {}, {}), [sink]))
    return sink.records


def run_source(
    folder: Path, source: str, params: dict[str, Any] | None = None, sinks: tuple = ()
) -> list[Record]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.lua").write_text(textwrap.dedent(source))
    spell = load_spell(folder / "main.lua")
    sink = ListSink()
    ctx = context_for(spell, params or {}, [sink, *sinks])
    run_spell(spell, ctx)
    return sink.records


def text(item: QTableWidgetItem | QTreeWidgetItem | None, column: int = 0) -> str:
    assert item is not None
    return item.text(column) if isinstance(item, QTreeWidgetItem) else item.text()


@pytest.fixture
def hub(tmp_path: Path) -> InspectorHub:
    return InspectorHub(runs_db=tmp_path / "runs.sqlite3")


def test_make_panes_gives_every_pane(qtbot, hub: InspectorHub):
    """make_panes returns the panes by name, each a widget of the right class."""
    panes = make_panes(hub)
    assert tuple(panes) == PANE_NAMES
    assert PANE_NAMES == ("State", "Events", "Traces", "Metrics", "Runs", "Workflow")
    classes = (StatePane, EventsPane, TracesPane, MetricsPane, RunsPane, WorkflowPane)
    for cls, name in zip(classes, PANE_NAMES, strict=True):
        assert isinstance(panes[name], cls)
        qtbot.addWidget(panes[name])


def test_events_pane_appends_rows_filters_and_shows_payload(qtbot, hub: InspectorHub):
    """Rows arrive by insertion (not reset); filters narrow them; a row's payload is shown."""
    pane = EventsPane(hub.events)
    qtbot.addWidget(pane)
    pane.show()
    resets: list[int] = []
    pane.table_model.modelReset.connect(lambda: resets.append(1))
    records = run_spellbook("events-and-hooks")
    hub.feed(records[:8])
    qtbot.waitUntil(lambda: pane.table_model.rowCount() == 5, timeout=2000)  # via the timer
    hub.feed(records[8:])
    pane.refresher.flush()
    assert pane.table_model.rowCount() == 12 and resets == []
    pane.set_filter(type_filter="hook")
    assert pane.proxy.rowCount() == 6
    pane.set_filter("quantity 12", "")
    assert pane.proxy.rowCount() == 3  # the vetoing hook, the log, the rejected event
    pane.set_filter("", "order.rejected")
    assert pane.proxy.rowCount() == 1
    with qtbot.waitSignal(pane.sig_row_selected) as selected:
        pane.select_row(0)
    assert selected.args[0].type == "order.rejected"
    assert "quantity 12 is over 10" in pane.json.toPlainText()
    assert pane.type_box.findData("order.shipped") >= 0  # types seen become filter choices
    hub.reset()
    pane.refresher.flush()
    assert pane.table_model.rowCount() == 0 and pane.type_box.findData("order.shipped") < 0


def test_a_hidden_pane_refreshes_only_once_shown(qtbot, hub: InspectorHub):
    """While hidden a pane does no work; shown, it catches up with everything fed meanwhile."""
    pane = EventsPane(hub.events)
    qtbot.addWidget(pane)
    hub.feed(run_spellbook("events-and-hooks"))
    qtbot.wait(150)  # three refresh intervals
    assert pane.table_model.rowCount() == 0
    pane.show()
    qtbot.waitUntil(lambda: pane.table_model.rowCount() == 12, timeout=2000)


def test_state_pane_tree_highlight_history_and_slider(qtbot, hub: InspectorHub):
    """The tree follows the state; the slider shows the state at an earlier record."""
    pane = StatePane(hub.state)
    qtbot.addWidget(pane)
    records = run_spellbook("state-history")
    hub.feed(records[:6])  # up to the update of inventory.apples
    pane.refresher.flush()
    items = pane._items
    assert items[("run", "inventory.apples")].text(1) == "2"
    assert items[("run", "inventory.pears")].text(1) == "2"
    assert items[("run", "inventory.apples")].background(0).color().name() == "#fff3b0"
    assert pane.history_model.rowCount() == 5 and pane.live
    hub.feed(records[6:])
    pane.refresher.flush()
    assert pane.history_model.rowCount() == 9
    assert pane._items[("run", "owner.since")].text(1) == "2024"  # restored
    assert pane.slider.maximum() == 9 and pane.slider.value() == 9
    pane.set_position(8)  # just before the restore
    assert not pane.live
    assert ("run", "inventory.pears") not in pane._items
    assert pane._items[("run", "inventory.plums")].text(1) == "7"
    assert pane._items[("run", "owner.since")].text(1) == "2025"
    assert pane._items[("run", "owner.since")].text(2) == "#9"
    assert "after record #9" in pane.position_label.text()
    pane.history.selectRow(0)
    assert pane.slider.value() == 1 and list(pane._items) == [
        ("run", ""),
        ("run", "inventory"),
        ("run", "inventory.apples"),
    ]
    assert '"inventory.apples"' in pane.diff.toPlainText()
    pane.set_position(9)
    assert pane.live and pane._items[("run", "inventory.pears")].text(1) == "2"
    hub.reset()  # as the studio does before a run: the next run's changes are marked too
    hub.feed(run_spellbook("state-history")[:3])
    pane.refresher.flush()
    assert pane._items[("run", "inventory.apples")].text(2) == "#2"


def test_state_pane_live_update_touches_only_changed_keys(qtbot, hub: InspectorHub):
    """A change to one top-level key leaves the other keys' items alone."""
    pane = StatePane(hub.state)
    qtbot.addWidget(pane)
    hub.feed(
        [
            Record(
                "state",
                "r",
                1,
                1.0,
                {
                    "scope": "run",
                    "op": "set",
                    "path": "a",
                    "new": {"x": 1},
                    "diff": [{"path": "a", "op": "added", "new": {"x": 1}}],
                },
            ),
            Record(
                "state",
                "r",
                2,
                2.0,
                {
                    "scope": "run",
                    "op": "set",
                    "path": "b",
                    "new": 1,
                    "diff": [{"path": "b", "op": "added", "new": 1}],
                },
            ),
        ]
    )
    pane.refresher.flush()
    a_item = pane._items[("run", "a")]
    hub.feed(
        [
            Record(
                "state",
                "r",
                3,
                3.0,
                {
                    "scope": "run",
                    "op": "set",
                    "path": "b",
                    "new": 2,
                    "diff": [{"path": "b", "op": "changed", "new": 2}],
                },
            ),
        ]
    )
    pane.refresher.flush()
    assert pane._items[("run", "a")] is a_item
    assert pane._items[("run", "b")].text(1) == "2"
    x_item = pane._items[("run", "a.x")]
    hub.feed([
        Record("state", "r", 4, 4.0, {"scope": "run", "op": "set", "path": "a.y.z", "new": 5,
                                      "diff": [{"path": "a.y", "op": "added", "new": {"z": 5}}]}),
    ])  # fmt: skip
    pane.refresher.flush()
    assert pane._items[("run", "a")] is a_item and pane._items[("run", "a.x")] is x_item
    assert a_item.text(1) == "{2 keys}" and a_item.text(2) == "#4"
    assert pane._items[("run", "a.y.z")].text(1) == "5"


def test_traces_pane_waterfall_totals_and_detail(qtbot, hub: InspectorHub, tmp_path: Path):
    """Spans appear as a tree with rolled-up totals; selecting one shows its request/response."""
    pane = TracesPane(hub.traces)
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    records = run_source(tmp_path / "spans", SPANS_SPELL)
    start_of_chat = next(i for i, r in enumerate(records) if r.data.get("name") == "chat test/m")
    hub.feed(records[: start_of_chat + 1])  # the chat span is open
    pane.refresher.flush()
    model = pane.tree_model
    assert [model.index(row, 0).data() for row in range(3)] == [
        "▾ run main",
        "    ▾ invoke_agent solver",
        "           chat test/m",
    ]
    assert model.index(1, 1).data().endswith("…")  # running
    inserted: list[int] = []
    model.rowsInserted.connect(lambda *_: inserted.append(1))
    hub.feed(records[start_of_chat + 1 :])
    pane.refresher.flush()
    assert inserted == []  # nothing new started: rows updated in place
    assert model.index(0, 2).data() == "10" and model.index(0, 3).data() == "$0.5000"
    assert not model.index(1, 1).data().endswith("…")
    assert "ok" in pane.totals.text() and "7 in + 3 out tokens" in pane.totals.text()
    pane.toggle(hub.traces.by_key["1"])  # fold the agent: its chat span is hidden
    assert pane.tree.isRowHidden(2) and model.index(1, 0).data() == "    ▸ invoke_agent solver"
    pane.toggle(hub.traces.by_key["1"])
    assert not pane.tree.isRowHidden(2)
    with qtbot.waitSignal(pane.sig_span_selected):
        pane.select(hub.traces.by_key["2"])
    text = pane.detail.toPlainText()
    assert "user: Hi there" in text and "Hello back" in text
    assert pane.grab().width() == 900  # the waterfall delegate paints without error


def test_metrics_pane_one_plot_per_metric_and_a_curve_per_label_set(qtbot, hub: InspectorHub):
    """events-and-hooks counts order events per type: one plot, three curves with a legend."""
    pane = MetricsPane(hub.metrics)
    qtbot.addWidget(pane)
    assert pane.empty.isVisibleTo(pane)
    hub.feed(run_spellbook("events-and-hooks"))
    pane.refresher.flush()
    assert list(pane.plots) == ["order_events"]
    plot = pane.plots["order_events"]
    assert len(plot.curves) == 3
    labels = {item[1].text for item in plot.legend.items}
    assert labels == {"type=order.accepted", "type=order.shipped", "type=order.rejected"}
    shipped = plot.curves[(("type", "order.shipped"),)]
    assert list(shipped.yData)[:2] == [1.0, 2.0]
    assert not pane.empty.isVisibleTo(pane)
    hub.reset()
    pane.refresher.flush()
    assert pane.plots == {}


def test_metrics_pane_builds_one_new_plot_per_refresh(qtbot, hub: InspectorHub, tmp_path: Path):
    """New metrics get their plots over successive refreshes; a histogram is a distribution."""
    pane = MetricsPane(hub.metrics)
    qtbot.addWidget(pane)
    pane.show()
    hub.feed(run_source(tmp_path / "spans", SPANS_SPELL))
    pane.refresher.flush()
    assert list(pane.plots) == ["llm.tokens.input"]
    qtbot.waitUntil(lambda: len(pane.plots) == 2, timeout=2000)  # the refresher asked again
    latency = pane.plots["llm.latency"].curves[(("model", "test/m"),)]
    assert list(latency.yData) == [0] * 2 + [1] + [0] * 2  # one observation, 5 bins


def test_runs_pane_lists_opens_and_compares(qtbot, tmp_path: Path):
    """Runs from the store are listed; one opens into fresh panes; two compare aligned."""
    db = tmp_path / "runs.sqlite3"
    ids = []
    with RunStore(db) as store:
        for n in (1, 2):
            folder = tmp_path / f"spell{n}"
            folder.mkdir()
            (folder / "main.lua").write_text(SPANS_SPELL)
            spell = load_spell(folder / "main.lua")
            sink = StoreSink(store)
            ctx = context_for(spell, {"n": n}, [sink])
            store.start_run(
                ctx.run_id, spell.name, spell.dir, spell.engine, {}, "test", os.getpid()
            )
            run_spell(spell, ctx)
            sink.close()
            ids.append(ctx.run_id)
    hub = InspectorHub(runs_db=db)
    pane = RunsPane(hub.runs, open_windows=False)
    qtbot.addWidget(pane)
    pane.show()  # showing the pane reads the store
    qtbot.waitUntil(lambda: pane.table.rowCount() == 2, timeout=2000)
    assert {text(pane.table.item(r, 0)) for r in range(2)} == set(ids)
    assert text(pane.table.item(0, 2)) == "ok"
    pane.select_ids([ids[0]])
    assert pane.open_button.isEnabled() and not pane.compare_button.isEnabled()
    with qtbot.waitSignal(pane.sig_open_run) as opened:
        pane.open_button.click()
    opened_hub = opened.args[0]
    assert opened_hub.traces.root.total_tokens == 10 and opened_hub.run_id == ids[0]
    pane.select_ids(ids)
    assert pane.compare_button.isEnabled()
    pane.compare_button.click()
    pane.refresher.flush()
    tree = pane.comparison.tree
    root = tree.topLevelItem(0)
    assert root is not None
    assert root.text(4) == "10" and root.text(5) == "10" and root.text(6) == "="
    agent = root.child(0)
    assert agent is not None and text(agent.child(0)) == "chat test/m"
    assert pane.comparison.output_a.toPlainText() == "done 1\n"
    assert pane.comparison.output_b.toPlainText() == "done 2\n"
    assert "-done 1" in pane.comparison.output_diff.toPlainText()
    assert "output differs" in pane.comparison.summary.text()
    hub.feed([Record("run.end", "x", 1, 1.0, {"status": "ok"})])
    assert hub.runs.stale
    pane.refresher.flush()  # visible: reads the store again
    assert not hub.runs.stale


def test_opened_run_window_shows_its_panes(qtbot, tmp_path: Path):
    """Open without a host: a window of the run's panes (all but Runs)."""
    db = tmp_path / "runs.sqlite3"
    with RunStore(db) as store:
        folder = tmp_path / "spell"
        folder.mkdir()
        (folder / "main.lua").write_text(SPANS_SPELL)
        spell = load_spell(folder / "main.lua")
        sink = StoreSink(store)
        ctx = context_for(spell, {}, [sink])
        store.start_run(ctx.run_id, spell.name, spell.dir, spell.engine, {}, "test", os.getpid())
        run_spell(spell, ctx)
        sink.close()
    hub = InspectorHub(runs_db=db)
    pane = RunsPane(hub.runs)
    qtbot.addWidget(pane)
    hub.runs.refresh()
    pane.refresher.flush()
    pane.select_ids([ctx.run_id])
    pane.open_selected()
    (window,) = pane.windows
    assert isinstance(window, QTabWidget)
    qtbot.addWidget(window)
    assert [window.tabText(i) for i in range(window.count())] == [
        "State", "Events", "Traces", "Metrics", "Workflow",
    ]  # fmt: skip
    traces = window.widget(2)
    assert isinstance(traces, TracesPane) and traces.tree_model.rowCount() == 3  # run, 2 spans
    assert Qt.WindowType.Window & window.windowFlags()
