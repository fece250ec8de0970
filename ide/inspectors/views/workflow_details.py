"""The Workflow pane's side panel: the selected step's status, errors and retries, its
executions (one per loop iteration), and its input, output and diff in JSON viewers."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from ide.inspectors.models.workflow import WorkflowModel
from ide.inspectors.models.workflow_flow import advance, step_io
from ide.inspectors.views.common import JsonView, human_seconds
from ide.inspectors.views.workflow_graph import NodeLook

DETAILS_EVERY = 0.25  # seconds between two rebuilds while records flow
PROMPT = "Click a step to see its input, output and diff."


class StepDetails(QWidget):
    """Shows one node: `show_node(id)` now, `due()` again when the model changed (throttled:
    rebuilding an input replays the steps before it)."""

    def __init__(
        self,
        model: WorkflowModel,
        look: Callable[[str], NodeLook],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._look = look
        self.node_id: str | None = None
        self.title = QLabel(PROMPT)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.runs = QComboBox()
        self.runs.currentIndexChanged.connect(lambda _: self._show(keep_run=True))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.input_view, self.output_view, self.diff_view = JsonView(), JsonView(), JsonView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.input_view, "Input")
        self.tabs.addTab(self.output_view, "Output")
        self.tabs.addTab(self.diff_view, "Diff")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.runs)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.note)
        self._key: tuple[Any, ...] = ()
        self._at = 0.0
        self._runs_of: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self._show(keep_run=True))

    def show_node(self, node_id: str | None) -> None:
        """Show `node_id` (None: nothing), its latest execution first."""
        self.node_id = node_id
        self._show(keep_run=False)

    def due(self) -> None:
        """The model changed: show the node again if it changed, at most every DETAILS_EVERY."""
        node = self.model.nodes.get(self.node_id or "")
        key = (self.node_id, node.version if node else -1, self.model.paused)
        if key == self._key:
            return
        wait = self._at + DETAILS_EVERY - time.monotonic()
        if wait > 0:
            if self.node_id is not None:
                advance(self.model, self.node_id)  # the replay keeps up, batch by batch
            if not self._timer.isActive():
                self._timer.start(int(wait * 1000) + 1)
            return
        self._show(keep_run=True)

    def _clear(self) -> None:
        self.title.setText(PROMPT)
        self.runs.clear()
        self.runs.hide()
        for view in (self.input_view, self.output_view, self.diff_view):
            view.value = None
            view.clear()
        self.note.clear()

    def _show(self, keep_run: bool) -> None:
        node = self.model.nodes.get(self.node_id or "")
        self._timer.stop()
        if node is None:
            self._key = ()
            self._clear()
            return
        self._at = time.monotonic()
        self._key = (node.id, node.version, self.model.paused)
        executions = node.executions
        self._update_runs(node.id, keep_run)
        self.runs.setVisible(len(executions) > 1)
        index = self.runs.currentIndex() if executions else -1
        execution = executions[index] if executions and index >= 0 else None
        look = self._look(node.id)
        rows = [f"<b>{html.escape(node.id)}</b> — {look.status}", html.escape(look.detail)]
        if execution is not None and execution.error:
            rows.append(f"error: {html.escape(execution.error.splitlines()[0])}")
        for retry in execution.retries if execution else ():
            first = str(retry.get("error") or "").splitlines()[:1]
            rows.append(f"attempt {retry.get('attempt')} failed: {html.escape(''.join(first))}")
        for conflict in node.conflicts:
            rows.append(html.escape(f"conflict on {conflict['key']}: kept {conflict['kept']}"))
        self.title.setText("<br>".join(rows))
        paused_here = node.id == self.model.paused
        io = step_io(self.model, node.id, index) if executions or paused_here else None
        if io is None:
            for view in (self.input_view, self.output_view, self.diff_view):
                view.set_value(None)
            self.note.setText("Not run yet." if not node.children else "")
            return
        self.input_view.set_value(io.input)
        self.output_view.set_value(io.output)
        self.diff_view.set_value(io.diff)
        note = f"Input: {io.source}."
        if not io.exact:
            note += " Inside a loop over a list it may lack `item` and `index` (not recorded)."
        self.note.setText(note)

    def _update_runs(self, node_id: str, keep_run: bool) -> None:
        """The list of the node's executions: new ones appended, the last one relabelled
        (only it can still change), following the latest if it was shown."""
        executions = self.model.nodes[node_id].executions
        runs = self.runs
        runs.blockSignals(True)
        if not keep_run or self._runs_of != node_id or runs.count() > len(executions):
            runs.clear()
            self._runs_of = node_id
        have = runs.count()
        following = runs.currentIndex() in (-1, have - 1)
        for i in range(max(0, have - 1), len(executions)):
            e = executions[i]
            label = f"iteration {e.iteration}" if e.iteration is not None else f"run {i + 1}"
            label += f" · {e.shown_status}"
            if e.duration_ms is not None:
                label += f" · {human_seconds(e.duration_ms / 1000)}"
            if i < have:
                runs.setItemText(i, label)
            else:
                runs.addItem(label)
        if following:
            runs.setCurrentIndex(runs.count() - 1)
        runs.blockSignals(False)
