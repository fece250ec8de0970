"""The Qt item model of the span tree: spans inserted as they start, updated as they end.

`sync()` walks only what is new in the `TracesModel` (its `nodes` and `ended` lists) and
emits beginInsertRows for new spans and dataChanged for ended spans and their ancestors
(whose rolled-up totals changed), never a reset while the run goes on.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ide.inspectors.models.traces import SpanNode, TracesModel
from ide.inspectors.views.common import human_cost, human_seconds

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Span", "Duration", "Tokens", "Cost", "Timeline")
TIMELINE = 4
NODE_ROLE = Qt.ItemDataRole.UserRole
KIND_COLOURS = {
    "run": "#8c959f",
    "agent": "#1f6feb",
    "llm": "#8250df",
    "tool": "#bc4c00",
    "workflow": "#1a7f37",
    "span": "#0a7e8c",
}


class SpanTreeModel(QAbstractItemModel):
    """Rows are spans (`SpanNode`); the root row is the run."""

    def __init__(self, model: TracesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._counts: dict[int, int] = {}  # id(node) -> children shown
        self._nodes_seen = 0
        self._ended_seen = 0
        self._top: SpanNode | None = None
        self.now = time.time()

    # -- following the model -----------------------------------------------------------------

    def sync(self) -> list[SpanNode]:
        """Apply what is new; returns the spans inserted (the view may expand them)."""
        self.now = time.time()
        model = self.model
        if len(model.nodes) < self._nodes_seen or (model.root is not self._top and self._top):
            self.beginResetModel()
            self._counts.clear()
            self._nodes_seen = self._ended_seen = 0
            self._top = None
            self.endResetModel()
        inserted = model.nodes[self._nodes_seen :]
        for node in inserted:
            parent = node.parent
            if parent is None:
                self.beginInsertRows(QModelIndex(), 0, 0)
                self._top = node
                self._counts[id(node)] = 0
                self.endInsertRows()
                continue
            row = self._counts.get(id(parent), 0)
            self.beginInsertRows(self.index_of(parent), row, row)
            self._counts[id(parent)] = row + 1
            self._counts[id(node)] = 0
            self.endInsertRows()
        self._nodes_seen = len(model.nodes)
        changed: dict[int, SpanNode] = {}
        for node in model.ended[self._ended_seen :]:
            up: SpanNode | None = node
            while up is not None and id(up) not in changed:
                changed[id(up)] = up
                up = up.parent
        self._ended_seen = len(model.ended)
        last = self.columnCount() - 1
        for node in changed.values():
            if id(node) in self._counts:
                self.dataChanged.emit(self.index_of(node), self.index_of(node, last))
        return inserted

    def index_of(self, node: SpanNode, column: int = 0) -> QModelIndex:
        row = 0 if node.parent is None else node.row
        return self.createIndex(row, column, node)

    def node(self, index: Index) -> SpanNode | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        return node if isinstance(node, SpanNode) else None

    # -- QAbstractItemModel ------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not parent.isValid():
            if row == 0 and self._top is not None:
                return self.createIndex(0, column, self._top)
            return QModelIndex()
        node = self.node(parent)
        if node is None or row >= self._counts.get(id(node), 0):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self.node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.index_of(node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return 1 if self._top is not None else 0
        if parent.column() != 0:
            return 0
        node = self.node(parent)
        return self._counts.get(id(node), 0) if node is not None else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        node = self.node(index)
        if node is None:
            return None
        col = index.column()
        if role == NODE_ROLE:
            return node
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return node.name
            if col == 1:
                text = human_seconds(node.elapsed(self.now))
                return f"{text} …" if node.running else text
            if col == 2:
                return f"{node.total_tokens:,}" if node.total_tokens else ""
            if col == 3:
                return human_cost(node.total_cost) if node.total_cost else ""
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if node.status in ("error", "unfinished") and col in (0, 1):
                return QBrush(QColor("#cf222e"))
            if col == 0:
                return QBrush(QColor(KIND_COLOURS.get(node.kind, "#24292f")))
        if role == Qt.ItemDataRole.ToolTipRole and col in (2, 3):
            return (
                f"own: {node.input_tokens} in / {node.output_tokens} out, {human_cost(node.cost)}\n"
                f"with children: {node.total_input_tokens} in / {node.total_output_tokens} out, "
                f"{human_cost(node.total_cost)}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
