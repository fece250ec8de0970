"""The Runs pane: the run store's runs, opened into their own inspectors or compared.

Select one run and Open (or double-click): its records feed a fresh hub and its panes open in
a window (`sig_open_run` carries the hub for a host that places them itself). Select two and
Compare: span trees aligned side by side with the differences in duration, tokens and cost,
and the two outputs with their diff.
"""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ide.inspectors.models.compare import CompareRow, RunComparison
from ide.inspectors.models.runs import RunsModel
from ide.inspectors.views.common import Refresher, human_cost, human_seconds

RUN_COLUMNS = ("Run", "Spell", "Status", "Started", "Duration", "Client")
COMPARE_COLUMNS = ("Span", "Duration A", "Duration B", "Δ", "Tokens A", "Tokens B", "Δ",
                   "Cost A", "Cost B", "Δ")  # fmt: skip
STATUS_COLOURS = {"ok": "#1a7f37", "error": "#cf222e", "crashed": "#cf222e", "running": "#1f6feb"}


def _delta(value: float | None, fmt: Any) -> str:
    if value is None:
        return ""
    if value == 0:
        return "="
    return ("+" if value > 0 else "−") + fmt(abs(value))


def _or_dash(value: float | None, fmt: Any) -> str:
    return "—" if value is None else fmt(value)


class ComparisonView(QWidget):
    """Aligned span rows (A | B | Δ) and the two outputs side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Select two runs and press Compare.")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COMPARE_COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.header().resizeSection(0, 240)
        for col in range(1, len(COMPARE_COLUMNS)):
            self.tree.header().resizeSection(col, 72)
        self.output_a = QPlainTextEdit(readOnly=True)
        self.output_b = QPlainTextEdit(readOnly=True)
        self.output_diff = QPlainTextEdit(readOnly=True)
        outputs = QTabWidget()
        pair = QSplitter(Qt.Orientation.Horizontal)
        pair.addWidget(self.output_a)
        pair.addWidget(self.output_b)
        outputs.addTab(pair, "Output A | B")
        outputs.addTab(self.output_diff, "Output diff")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(outputs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

    def show_comparison(self, comparison: RunComparison) -> None:
        totals = comparison.totals()
        a, b = comparison.a, comparison.b
        dur_a, dur_b = totals["duration"]
        self.summary.setText(
            f"<b>A</b> {html.escape(a.run_id)} ({a.status}) vs <b>B</b> {html.escape(b.run_id)} "
            f"({b.status}) · duration {human_seconds(dur_a)} → {human_seconds(dur_b)} · "
            f"tokens {a.tokens:,} → {b.tokens:,} · cost {human_cost(a.cost)} → "
            f"{human_cost(b.cost)} · output {'same' if a.output == b.output else 'differs'}"
        )
        self.tree.clear()
        stack: list[QTreeWidgetItem] = []
        for row in comparison.rows:
            item = QTreeWidgetItem(self._texts(row))
            del stack[row.depth :]
            if stack:
                stack[-1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            stack.append(item)
            if row.status != "both":
                grey = QBrush(QColor("#8c959f"))
                for col in range(len(COMPARE_COLUMNS)):
                    item.setForeground(col, grey)
                item.setToolTip(0, row.status)
            for col in (3, 6, 9):
                text = item.text(col)
                if text.startswith("+"):
                    item.setForeground(col, QBrush(QColor("#cf222e")))
                elif text.startswith("−"):
                    item.setForeground(col, QBrush(QColor("#1a7f37")))
        self.tree.expandAll()
        self.output_a.setPlainText(a.output)
        self.output_b.setPlainText(b.output)
        self.output_diff.setPlainText("\n".join(comparison.output_diff()) or "(same output)")

    @staticmethod
    def _texts(row: CompareRow) -> list[str]:
        name = row.name + ("  [only in A]" if row.b is None else "")
        name += "  [only in B]" if row.a is None else ""
        texts = [name]
        for attr, fmt in (
            ("duration", human_seconds),
            ("total_tokens", lambda v: f"{int(v):,}"),
            ("total_cost", human_cost),
        ):
            a, b = row.values(attr)
            if attr != "duration" and not a and not b:  # no usage on either side
                texts += ["", "", ""]
                continue
            texts += [_or_dash(a, fmt), _or_dash(b, fmt), _delta(row.delta(attr), fmt)]
        return texts


class RunsPane(QWidget):
    """Run table with Refresh / Open / Compare, and the comparison below it."""

    sig_open_run = Signal(object)
    """Emitted with a fresh `InspectorHub` holding the opened run's records."""
    sig_replay_run = Signal(str)
    """The user asked to run the selected run's spell again, offline, from its recording."""

    def __init__(
        self, model: RunsModel, parent: QWidget | None = None, open_windows: bool = True
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.open_windows = open_windows
        self.windows: list[QWidget] = []
        self.table = QTableWidget(0, len(RUN_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(RUN_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((110, 140, 70, 140, 80)):
            self.table.horizontalHeader().resizeSection(col, width)
        self.refresh_button = QPushButton("Refresh")
        self.open_button = QPushButton("Open")
        self.compare_button = QPushButton("Compare")
        self.replay_button = QPushButton("Replay")
        self.replay_button.setToolTip(
            "Run the selected run's spell again offline: LLM answers and tool results come "
            "from that run's recording"
        )
        self.message = QLabel()
        bar = QHBoxLayout()
        for button in (
            self.refresh_button,
            self.open_button,
            self.compare_button,
            self.replay_button,
        ):
            bar.addWidget(button)
        bar.addWidget(self.message, 1)
        self.comparison = ComparisonView()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.comparison)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.refresh_button.clicked.connect(self.model.refresh)
        self.open_button.clicked.connect(self.open_selected)
        self.compare_button.clicked.connect(self.compare_selected)
        self.replay_button.clicked.connect(self.replay_selected)
        self.table.doubleClicked.connect(lambda *_: self.open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresher = Refresher(self.refresh, self, widget=self)
        self._unsubscribe = model.subscribe(self.refresher.poke)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self._shown_comparison: RunComparison | None = None
        self._update_buttons()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        # Thonny's rule: a pane fetches data only while visible.
        if self.model.stale:
            self.model.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        """Show the model's run list (reading the store again first if a run ended)."""
        if self.model.stale and self.isVisible():
            self.model.refresh()  # notifies again; the next refresh shows the list
            return
        selected = set(self.selected_ids())
        self.table.setRowCount(len(self.model.runs))
        for row, run in enumerate(self.model.runs):
            started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
            texts = (run.id, run.spell, run.status, started, human_seconds(run.duration),
                     run.client or "")  # fmt: skip
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setForeground(QBrush(QColor(STATUS_COLOURS.get(run.status, "#9a6700"))))
                self.table.setItem(row, col, item)
        self.select_ids([run_id for run_id in selected])
        self.message.setText(self.model.error or f"{len(self.model.runs)} runs")
        if self.model.comparison is not self._shown_comparison and self.model.comparison:
            self._shown_comparison = self.model.comparison
            self.comparison.show_comparison(self.model.comparison)
        self._update_buttons()

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.runs[r].id for r in rows if r < len(self.model.runs)]

    def select_ids(self, ids: list[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, run in enumerate(self.model.runs):
            if run.id in ids:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def _update_buttons(self) -> None:
        count = len(self.selected_ids())
        self.open_button.setEnabled(count == 1)
        self.compare_button.setEnabled(count == 2)
        self.replay_button.setEnabled(count == 1)

    def replay_selected(self) -> str | None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return None
        self.sig_replay_run.emit(ids[0])
        return ids[0]

    def open_selected(self) -> Any:
        """Open the selected run: a fresh hub with its records (and a window for it)."""
        ids = self.selected_ids()
        if len(ids) != 1:
            return None
        hub = self.model.open(ids[0])
        self.sig_open_run.emit(hub)
        if self.open_windows:
            from ide.inspectors.views import make_panes

            window = QTabWidget()
            window.setWindowTitle(f"Run {ids[0]} — inspectors")
            for name, pane in make_panes(hub).items():
                if name != "Runs":
                    window.addTab(pane, name)
            window.resize(1000, 700)
            window.show()
            self.windows.append(window)
        return hub

    def compare_selected(self) -> RunComparison | None:
        """Compare the two selected runs (the older one is A)."""
        ids = self.selected_ids()
        if len(ids) != 2:
            return None
        newer, older = ids  # the table lists the most recent first
        return self.model.compare(older, newer)
