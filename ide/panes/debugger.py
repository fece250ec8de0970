"""Debugger panes: call stack, variables (lazily expanded), watch expressions, evaluate
console and breakpoint list. Each pane asks through a `request(command, args, callback)`
function (the controller's), so it never waits on the host.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ide.run.breakpoints import EXCEPTION_FILTERS, BreakpointStore

Requester = Callable[[str, dict[str, Any], Callable[[dict[str, Any]], None]], None]
REF = Qt.ItemDataRole.UserRole
LOADED = Qt.ItemDataRole.UserRole + 1


class StackPane(QListWidget):
    sig_frame_selected = Signal(dict)
    """A frame of the call stack was chosen (its DAP StackFrame)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frames: list[dict[str, Any]] = []
        self.currentRowChanged.connect(self._on_row)

    def set_frames(self, frames: list[dict[str, Any]]) -> None:
        self.blockSignals(True)
        self.clear()
        self.frames = list(frames)
        for frame in self.frames:
            path = (frame.get("source") or {}).get("path") or "?"
            QListWidgetItem(
                f"{frame.get('name', '?')}   {os.path.basename(path)}:{frame.get('line')}", self
            )
        self.blockSignals(False)
        if self.frames:
            self.setCurrentRow(0)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.frames):
            self.sig_frame_selected.emit(self.frames[row])


class VariablesPane(QTreeWidget):
    """Scopes of the selected frame; a structured value loads its children when expanded."""

    def __init__(self, request: Requester, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._request = request
        self.setColumnCount(3)
        self.setHeaderLabels(["Name", "Value", "Type"])
        self.setColumnWidth(0, 160)
        self.setColumnWidth(1, 240)
        self.itemExpanded.connect(self._on_expanded)
        self.frame_id: int | None = None
        self.generation = 0

    def set_frame(self, frame_id: int | None) -> None:
        self.clear()
        self.generation += 1  # answers to requests made before this are stale
        self.frame_id = frame_id
        if frame_id is None:
            return
        generation = self.generation
        self._request("scopes", {"frameId": frame_id}, lambda r: self._on_scopes(r, generation))

    def _on_scopes(self, response: dict[str, Any], generation: int) -> None:
        if generation != self.generation:
            return
        for scope in (response.get("body") or {}).get("scopes", []):
            item = QTreeWidgetItem(self, [scope["name"], "", ""])
            self._lazy(item, int(scope.get("variablesReference") or 0))
            if scope.get("name") == "Locals":
                item.setExpanded(True)

    def _lazy(self, item: QTreeWidgetItem, ref: int) -> None:
        item.setData(0, REF, ref)
        if ref:
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        ref = int(item.data(0, REF) or 0)
        if not ref or item.data(0, LOADED):
            return
        item.setData(0, LOADED, True)
        generation = self.generation

        def fill(response: dict[str, Any]) -> None:
            if generation != self.generation:
                return
            variables = (response.get("body") or {}).get("variables", [])
            if not response.get("success"):
                QTreeWidgetItem(item, ["", str(response.get("message")), ""])
            for variable in variables:
                child = QTreeWidgetItem(
                    item, [variable["name"], variable.get("value", ""), variable.get("type", "")]
                )
                child.setToolTip(1, variable.get("value", ""))
                self._lazy(child, int(variable.get("variablesReference") or 0))
            if not variables and response.get("success"):
                item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicator)

        self._request("variables", {"variablesReference": ref}, fill)

    def find_item(self, *names: str) -> QTreeWidgetItem | None:
        """The item at a path of names (e.g. "Locals", "x"), if loaded."""
        items = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        found = None
        for name in names:
            found = next((i for i in items if i is not None and i.text(0) == name), None)
            if found is None:
                return None
            items = [found.child(i) for i in range(found.childCount())]
        return found


class WatchPane(QWidget):
    """Watch expressions, evaluated in the selected frame at every pause."""

    def __init__(self, request: Requester, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._request = request
        self.expressions: list[str] = []
        self.frame_id: int | None = None
        self.generation = 0
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Add a watch expression")
        self.entry.returnPressed.connect(self._add_from_entry)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Expression", "Value"])
        self.tree.setColumnWidth(0, 160)
        remove = QToolButton(self)
        remove.setText("Remove")
        remove.clicked.connect(self._remove_selected)
        row = QHBoxLayout()
        row.addWidget(self.entry)
        row.addWidget(remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.tree)

    def _add_from_entry(self) -> None:
        if self.entry.text().strip():
            self.add(self.entry.text().strip())
            self.entry.clear()

    def add(self, expression: str) -> None:
        self.expressions.append(expression)
        self.refresh()

    def _remove_selected(self) -> None:
        for item in self.tree.selectedItems():
            self.expressions.remove(item.text(0))
        self.refresh()

    def set_frame(self, frame_id: int | None) -> None:
        self.frame_id = frame_id
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        self.generation += 1
        generation = self.generation
        for expression in self.expressions:
            item = QTreeWidgetItem(self.tree, [expression, "" if self.frame_id else "(not paused)"])
            if self.frame_id is None:
                continue

            def show(response: dict[str, Any], item: QTreeWidgetItem = item) -> None:
                if generation != self.generation:
                    return
                body = response.get("body") or {}
                item.setText(
                    1,
                    str(body.get("result"))
                    if response.get("success")
                    else f"⚠ {response.get('message')}",
                )

            self._request(
                "evaluate",
                {"expression": expression, "frameId": self.frame_id, "context": "watch"},
                show,
            )

    def value(self, expression: str) -> str | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.text(0) == expression:
                return item.text(1)
        return None


class EvaluatePane(QWidget):
    """A console that evaluates expressions (and statements) in the paused frame."""

    def __init__(self, request: Requester, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._request = request
        self.frame_id: int | None = None
        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setFont(QFont("DejaVu Sans Mono", 9))
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Evaluate in the paused frame (Enter)")
        self.entry.returnPressed.connect(self._evaluate_entry)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.output)
        layout.addWidget(self.entry)

    def set_frame(self, frame_id: int | None) -> None:
        self.frame_id = frame_id

    def _evaluate_entry(self) -> None:
        expression = self.entry.text().strip()
        if expression:
            self.entry.clear()
            self.evaluate(expression)

    def evaluate(self, expression: str) -> None:
        self.output.appendPlainText(f"> {expression}")
        if self.frame_id is None:
            self.output.appendPlainText("  (the spell is not paused)")
            return

        def show(response: dict[str, Any]) -> None:
            if response.get("success"):
                self.output.appendPlainText(f"  {(response.get('body') or {}).get('result')}")
            else:
                self.output.appendPlainText(f"  error: {response.get('message')}")

        self._request(
            "evaluate",
            {"expression": expression, "frameId": self.frame_id, "context": "repl"},
            show,
        )


class BreakpointsPane(QTreeWidget):
    """Every breakpoint: lines (checkbox enables), semantic ones and exception filters."""

    sig_open_location = Signal(str, int)
    """Open this file at this line (a breakpoint was double-clicked)."""

    def __init__(self, store: BreakpointStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setHeaderLabels(["Breakpoint"])
        self.setRootIsDecorated(True)
        self.itemDoubleClicked.connect(self._on_double_click)
        self.itemChanged.connect(self._on_changed)
        self._refresh_pending = False
        store.subscribe(self._schedule_refresh)
        self.refresh()

    def _schedule_refresh(self) -> None:
        # Later, never inside a signal of an item that the rebuild would delete.
        if not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self, self.refresh)

    def refresh(self) -> None:
        self._refresh_pending = False
        self.blockSignals(True)
        self.clear()
        lines = QTreeWidgetItem(self, ["Lines"])
        for bp in self.store.all():
            item = QTreeWidgetItem(lines, [bp.describe()])
            item.setData(0, REF, (bp.path, bp.line))
            item.setToolTip(0, bp.path)
            item.setCheckState(0, Qt.CheckState.Checked if bp.enabled else Qt.CheckState.Unchecked)
        semantic = QTreeWidgetItem(self, ["Semantic"])
        for name in self.store.functions:
            QTreeWidgetItem(semantic, [f"before {name}"])
        exceptions = QTreeWidgetItem(self, ["Stop on"])
        for name in sorted(self.store.exception_filters):
            QTreeWidgetItem(exceptions, [EXCEPTION_FILTERS.get(name, name)])
        self.expandAll()
        self.blockSignals(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        """Delete or Backspace removes the selected breakpoints."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            # Read every selected item first: each removal rebuilds (deletes) the items.
            lines = [w for w in (i.data(0, REF) for i in self.selectedItems()) if w]
            names = [i.text(0)[7:] for i in self.selectedItems() if i.text(0).startswith("before ")]
            for path, line in lines:
                self.store.remove(path, int(line))
            for name in names:
                self.store.set_function(name, False)
            return
        super().keyPressEvent(event)

    def _on_double_click(self, item: QTreeWidgetItem) -> None:
        where = item.data(0, REF)
        if where:
            self.sig_open_location.emit(where[0], int(where[1]))

    def _on_changed(self, item: QTreeWidgetItem) -> None:
        where = item.data(0, REF)
        if where:
            bp = self.store.get(where[0], int(where[1]))
            if bp is not None:
                self.store.set(replace(bp, enabled=item.checkState(0) == Qt.CheckState.Checked))
