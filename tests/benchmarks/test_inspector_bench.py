"""Figures for the inspectors (printed, never asserted): records/s the hub and its models
absorb, and the worst time a pane takes to show a 2 000-record batch (refresh + repaint).

The records come from a real Lua spell that emits the mix a busy agent does: state changes,
events, logs, metrics and nested spans carrying GenAI usage attributes.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.telemetry import ListSink, Record
from ide.inspectors import InspectorHub, make_panes
from ide.inspectors.views import EventsPane

BATCH = 2000
ROUNDS = 1500  # ~16 records per round

BUSY_SPELL = """\
for i = 1, ROUNDS do
  state.set("items.k" .. (i % 50), {n = i, tag = "t" .. (i % 7)})
  events.publish("work.step", {i = i})
  log.info("step", {i = i})
  metrics.counter("steps", 1, {kind = "k" .. (i % 3)})
  metrics.histogram("latency", (i % 17) / 10)
  trace.with_span("invoke_agent a" .. (i % 4), {}, function()
    local id = trace.start_span("chat test/m", {["gen_ai.operation.name"] = "chat"})
    trace.end_span(id, {["gen_ai.usage.input_tokens"] = 10, ["gen_ai.usage.output_tokens"] = 5,
      ["gen_ai.usage.cost"] = 0.001, ["llmspell.response.text"] = "ok"})
  end)
  metrics.gauge("queue", i % 11)
end
"""


def _records(tmp_path: Path) -> list[Record]:
    (tmp_path / "main.lua").write_text(BUSY_SPELL.replace("ROUNDS", str(ROUNDS)))
    spell = load_spell(tmp_path / "main.lua")
    sink = ListSink()
    run_spell(spell, context_for(spell, {}, [sink], timeout=120))
    return sink.records


def _batches(records: list[Record]) -> list[list[Record]]:
    return [records[i : i + BATCH] for i in range(0, len(records), BATCH)]


def test_hub_absorbs_records(tmp_path: Path):
    """Records/s through InspectorHub.feed (all four record models), in 2 000-record batches."""
    records = _records(tmp_path)
    dicts = [r.to_dict() for r in records]
    best = best_dicts = float("inf")
    for _ in range(3):
        hub = InspectorHub(runs_db=tmp_path / "runs.sqlite3")
        start = time.perf_counter()
        for batch in _batches(records):
            hub.feed(batch)
        best = min(best, time.perf_counter() - start)
        hub = InspectorHub(runs_db=tmp_path / "runs.sqlite3")
        start = time.perf_counter()
        for i in range(0, len(dicts), BATCH):
            hub.feed(dicts[i : i + BATCH])
        best_dicts = min(best_dicts, time.perf_counter() - start)
    n = len(records)
    print(
        f"\ninspector hub: {n} records in {best * 1000:.0f} ms = {n / best:,.0f} records/s "
        f"(protocol dicts: {n / best_dicts:,.0f} records/s); "
        f"{len(hub.traces.nodes)} spans, {len(hub.events.rows)} event rows, "
        f"{len(hub.state.history)} state changes, {len(hub.metrics.series)} series"
    )
    start = time.perf_counter()
    hub.state.state_at(records[len(records) // 2].seq)
    middle = time.perf_counter() - start
    start = time.perf_counter()
    hub.state.state_at(records[len(records) // 2 + 40].seq)
    near = time.perf_counter() - start
    print(
        f"state_at: middle of {len(hub.state.history)} changes {middle * 1000:.1f} ms cold, "
        f"a nearby record {near * 1000:.1f} ms"
    )


def test_worst_view_update_per_batch(qtbot, tmp_path: Path):
    """Each pane refreshed and repainted after each 2 000-record batch: the worst time."""
    from PySide6.QtWidgets import QApplication

    records = _records(tmp_path)
    hub = InspectorHub(runs_db=tmp_path / "runs.sqlite3")
    panes = make_panes(hub)
    for pane in panes.values():
        qtbot.addWidget(pane)
        pane.resize(1100, 700)
        pane.show()
    app = QApplication.instance()
    assert app is not None
    app.processEvents()
    times: dict[str, list[float]] = {name: [] for name in panes}
    cpu: dict[str, list[float]] = {name: [] for name in panes}
    worst_batch = 0.0
    for batch in _batches(records):
        batch_start = time.perf_counter()
        hub.feed(batch)
        for name, pane in panes.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            pane.refresher.flush()  # type: ignore[attr-defined]
            pane.repaint()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
        app.processEvents()
        worst_batch = max(worst_batch, time.perf_counter() - batch_start)
    figures = ", ".join(
        f"{name} {max(spent) * 1000:.1f} ms (median {statistics.median(spent) * 1000:.1f}; "
        f"CPU worst {max(cpu[name]) * 1000:.1f}, median {statistics.median(cpu[name]) * 1000:.1f})"
        for name, spent in times.items()
    )
    print(
        f"\ninspector panes, worst refresh+repaint of a {BATCH}-record batch "
        f"({len(records)} records): {figures}; worst whole batch (feed + all five panes "
        f"visible at once) {worst_batch * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )


def test_event_loop_stall_at_20k_records_per_second(qtbot, tmp_path: Path):
    """Records arrive as the host sends them (a batch every 20 ms, 20 000 records/s) while the
    five panes are shown and refresh on their timers: the longest gap of a 5 ms heartbeat."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QTabWidget

    records = _records(tmp_path)
    hub = InspectorHub(runs_db=tmp_path / "runs.sqlite3")
    window = QTabWidget()
    qtbot.addWidget(window)
    panes = make_panes(hub)
    for name, pane in panes.items():
        window.addTab(pane, name)
    window.resize(1200, 800)
    window.show()
    for index in range(window.count()):  # first paints (fonts, plots) are start-up, not streaming
        window.setCurrentIndex(index)
        qtbot.wait(50)
    window.setCurrentIndex(0)
    per_batch = 400  # 20 ms of records at 20 000/s
    fed = {"n": 0, "tab": 0}
    beats: list[float] = []

    ran: list[tuple[float, str, float]] = []  # (when it ended, what, seconds)
    for name, pane in panes.items():
        pane.refresher.sig_refreshed.connect(  # type: ignore[attr-defined]
            lambda spent, name=name: ran.append((time.perf_counter(), name, spent))
        )

    def feed() -> None:
        n = fed["n"]
        start = time.perf_counter()
        hub.feed(records[n : n + per_batch])
        ran.append((time.perf_counter(), "hub.feed", time.perf_counter() - start))
        fed["n"] = n + per_batch
        if fed["n"] % 4000 < per_batch:  # switch the visible pane every 0.2 s
            fed["tab"] = (fed["tab"] + 1) % window.count()
            window.setCurrentIndex(fed["tab"])

    pauses: list[float] = []
    started: list[float] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif info["generation"] == 2 and started:
            pauses.append(time.perf_counter() - started[0])

    gc.callbacks.append(on_gc)
    feeder = QTimer()
    feeder.timeout.connect(feed)
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start(5)
    feeder.start(20)
    app = QApplication.instance()
    assert app is not None
    deadline = time.perf_counter() + 60
    while fed["n"] < len(records) and time.perf_counter() < deadline:
        app.processEvents()  # (an event loop that never sleeps, as the studio's)
    feeder.stop()
    qtbot.wait(200)
    heartbeat.stop()
    gc.callbacks.remove(on_gc)
    gaps = sorted(b - a for a, b in zip(beats, beats[1:], strict=False))
    worst = sorted(zip(beats, beats[1:], strict=False), key=lambda ab: ab[0] - ab[1])[:3]
    for a, b in worst:
        inside = [f"{what} {spent * 1000:.0f} ms" for at, what, spent in ran if a <= at <= b]
        print(f"\n  stall of {(b - a) * 1000:.0f} ms: {', '.join(inside) or 'painting'}", end="")
    events = panes["Events"]
    assert isinstance(events, EventsPane)
    window.setCurrentWidget(events)  # a pane shown again catches up: no row is missing
    qtbot.waitUntil(lambda: events.table_model.rowCount() == len(hub.events.rows), timeout=5000)
    print(
        f"\nevent loop while {len(records)} records arrive at 20 000/s with the panes shown "
        f"(visible pane switched every 0.2 s): longest stall {gaps[-1] * 1000:.1f} ms, "
        f"99th percentile {gaps[int(len(gaps) * 0.99)] * 1000:.1f} ms; "
        f"{len(beats)} beats; Events rows once shown {events.table_model.rowCount()}/"
        f"{len(hub.events.rows)}; full garbage collections {len(pauses)}, longest "
        f"{max(pauses, default=0) * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )
