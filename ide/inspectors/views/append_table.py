"""A table model over a list that only grows (or is reset): rows are inserted as they arrive,
never re-laid out, so a view keeps up with thousands of records a second."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class AppendTableModel(QAbstractTableModel):
    """Subclasses give `columns` and `items()` (the growing list) and implement `data`."""

    columns: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shown = 0

    def items(self) -> list[Any]:
        raise NotImplementedError

    def sync(self) -> None:
        """Insert the rows that arrived since the last sync (or reset after a model reset)."""
        count = len(self.items())
        if count < self.shown:
            self.beginResetModel()
            self.shown = count
            self.endResetModel()
        elif count > self.shown:
            self.beginInsertRows(QModelIndex(), self.shown, count - 1)
            self.shown = count
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None
