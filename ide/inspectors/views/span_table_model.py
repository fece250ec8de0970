"""The Qt model of the waterfall: one row per span, in start order, indented by depth.

Spans start in tree order (a child after its parent, nested spans before the next sibling),
so the waterfall is a flat, append-only table: `sync()` inserts the spans that started since
the last call with one beginInsertRows and emits dataChanged for spans that ended and their
ancestors (whose rolled-up totals changed). Laying out a flat table costs only the visible
rows, whatever the number of spans; a tree view would walk every expanded row.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ide.inspectors.models.traces import SpanNode, TracesModel
from ide.inspectors.views.common import (
    ALIGN_RIGHT,
    ALIGNMENT,
    DISPLAY,
    FOREGROUND,
    TOOLTIP,
    USER,
    brush,
    human_cost,
    human_seconds,
)

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Span", "Duration", "Tokens", "Cost", "Timeline")
TIMELINE = 4
NODE_ROLE = USER
KIND_COLOURS = {
    "run": "#8c959f",
    "agent": "#1f6feb",
    "llm": "#8250df",
    "tool": "#bc4c00",
    "workflow": "#1a7f37",
    "span": "#0a7e8c",
}
_ROLES = frozenset((DISPLAY, FOREGROUND, TOOLTIP, ALIGNMENT, NODE_ROLE))


class SpanTableModel(QAbstractTableModel):
    """Rows are `TracesModel.nodes[:shown]`; `collapsed` holds the orders of folded spans."""

    def __init__(self, model: TracesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.shown = 0
        self._ended_seen = 0
        self.collapsed: set[int] = set()
        self.now = time.time()

    def sync(self) -> tuple[int, int]:
        """Apply what is new; returns the range of rows inserted (first, end)."""
        self.now = time.time()
        model = self.model
        if len(model.nodes) < self.shown or len(model.ended) < self._ended_seen:
            self.beginResetModel()
            self.shown = self._ended_seen = 0
            self.collapsed.clear()
            self.endResetModel()
        first, count = self.shown, len(model.nodes)
        if count > first:
            self.beginInsertRows(QModelIndex(), first, count - 1)
            self.shown = count
            self.endInsertRows()
        changed: set[int] = set()
        for node in model.ended[self._ended_seen :]:
            up: SpanNode | None = node
            while up is not None and up.order not in changed:
                changed.add(up.order)
                up = up.parent
        self._ended_seen = len(model.ended)
        last = len(COLUMNS) - 1
        for row in sorted(changed):
            if row < first:  # new rows are painted fresh anyway
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        return first, count

    def node(self, index: Index) -> SpanNode | None:
        row = index.row()
        nodes = self.model.nodes
        return nodes[row] if index.isValid() and row < self.shown and row < len(nodes) else None

    def hidden(self, node: SpanNode) -> bool:
        """Whether a folded ancestor hides `node`."""
        if not self.collapsed:
            return False
        up = node.parent
        while up is not None:
            if up.order in self.collapsed:
                return True
            up = up.parent
        return False

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if role not in _ROLES:
            return None
        row = index.row()
        if row >= self.shown or row >= len(self.model.nodes):
            return None
        node = self.model.nodes[row]
        col = index.column()
        if role == NODE_ROLE:
            return node
        if role == DISPLAY:
            if col == 0:
                fold = ("▸ " if node.order in self.collapsed else "▾ ") if node.children else "   "
                return "    " * node.depth + fold + node.name
            if col == 1:
                text = human_seconds(node.elapsed(self.now))
                return f"{text} …" if node.running else text
            if col == 2:
                return f"{node.total_tokens:,}" if node.total_tokens else ""
            if col == 3:
                return human_cost(node.total_cost) if node.total_cost else ""
            return None
        if role == FOREGROUND:
            if col > 1:
                return None
            if node.status in ("error", "unfinished"):
                return brush("#cf222e")
            return brush(KIND_COLOURS.get(node.kind, "#24292f")) if col == 0 else None
        if role == ALIGNMENT:
            return ALIGN_RIGHT if col in (1, 2, 3) else None
        if col in (2, 3):
            return (
                f"own: {node.input_tokens} in / {node.output_tokens} out, {human_cost(node.cost)}\n"
                f"with children: {node.total_input_tokens} in / {node.total_output_tokens} out, "
                f"{human_cost(node.total_cost)}"
            )
        return node.error if col == 0 and node.error else None
