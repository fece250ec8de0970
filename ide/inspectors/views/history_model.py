"""The table model behind the State pane's history of changes (appended incrementally)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex

from ide.inspectors.models.state import StateModel
from ide.inspectors.views.append_table import AppendTableModel
from ide.inspectors.views.common import DISPLAY, FOREGROUND, TOOLTIP, brush

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("#", "Scope", "Op", "Path", "Diff")
OP_COLOURS = {
    "set": "#1a7f37",
    "update": "#9a6700",
    "delete": "#cf222e",
    "restore": "#8250df",
    "snapshot": "#57606a",
}


class HistoryTableModel(AppendTableModel):
    """One row per change in `StateModel.history`."""

    columns = COLUMNS

    def __init__(self, model: StateModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def items(self) -> list[Any]:
        return self.model.history

    def data(self, index: Index, role: int = 0) -> Any:
        if role != DISPLAY and role != FOREGROUND and role != TOOLTIP:
            return None
        i = index.row()
        if i >= self.shown or i >= len(self.model.history):
            return None
        change = self.model.history[i]
        col = index.column()
        if role == DISPLAY:
            if col == 4:
                return change.summary()
            return (str(change.seq), change.scope, change.op, change.path or "(root)")[col]
        if role == FOREGROUND:
            return brush(OP_COLOURS.get(change.op, "#24292f")) if col == 2 else None
        return change.summary() if col == 4 else None
