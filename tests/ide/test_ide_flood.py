"""What keeps the studio responsive under a flood of records (see the flood benchmark in
tests/benchmarks/test_ide_bench.py): queued console lines, no filter proxy on the Events
table while no filter is set, and no automatic full garbage collection."""

from __future__ import annotations

import gc
import sys

from engines.telemetry import Record
from ide import gc_tuning
from ide.inspectors import InspectorHub
from ide.inspectors.views import EventsPane
from ide.panes.console import ConsolePane


def _log(seq: int, message: str) -> Record:
    return Record("log", "r1", seq, 1000.0 + seq, {"level": "info", "message": message})


def test_the_console_shows_queued_records_together_and_in_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    pane = ConsolePane()
    qtbot.addWidget(pane)
    pane.add_records([_log(1, "one"), _log(2, "two")])
    assert pane.view.console_model.lines == []  # not yet: on the flush timer
    qtbot.waitUntil(lambda: len(pane.view.console_model.lines) == 2, timeout=2000)
    pane.add_records([_log(3, "three")])
    pane.message("warn", "after three")  # shows the queued records first
    assert pane.text().splitlines() == ["[info] one", "[info] two", "[info] three", "after three"]
    pane.add_records([_log(4, "four")])
    pane.clear()  # forgets the queue too
    assert pane.text() == ""


def test_the_events_table_uses_the_filter_proxy_only_while_filtering(qtbot) -> None:  # type: ignore[no-untyped-def]
    hub = InspectorHub()
    pane = EventsPane(hub.events)
    qtbot.addWidget(pane)
    pane.show()
    hub.feed([_log(i, f"message {i}") for i in range(1, 11)])
    pane.refresher.flush()
    assert pane.table.model() is pane.table_model and pane.table_model.rowCount() == 10
    pane.set_filter("message 1")
    assert pane.table.model() is pane.proxy and pane.proxy.rowCount() == 2  # 1 and 10
    with qtbot.waitSignal(pane.sig_row_selected) as selected:
        pane.select_row(1)
    assert selected.args[0].seq == 10
    pane.set_filter("")
    assert pane.table.model() is pane.table_model
    with qtbot.waitSignal(pane.sig_row_selected) as selected:
        pane.select_row(2)
    assert selected.args[0].seq == 3


def test_settle_freezes_start_up_objects_and_leaves_full_collections_to_the_studio() -> None:
    before = gc.get_threshold(), sys.getswitchinterval()
    try:
        gc_tuning.settle()
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert sys.getswitchinterval() == gc_tuning.SWITCH_INTERVAL
    finally:
        gc.unfreeze()
        gc.set_threshold(*before[0])
        sys.setswitchinterval(before[1])
