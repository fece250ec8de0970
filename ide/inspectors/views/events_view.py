"""The Events pane: filter box, type filter, the table of rows, and a JSON viewer.

`EventsTableModel` shows the rows the model has so far; new rows go in with
beginInsertRows/endInsertRows (no reset), and a filter proxy keeps only matching rows. The
table shows the proxy only while a filter is set: the proxy calls `filterAcceptsRow` (Python)
for every row inserted, and under a flood each of those calls from Qt may wait for the GIL.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ide.inspectors.models.events import ROW_KINDS, EventRow, EventsModel
from ide.inspectors.views.append_table import AppendTableModel
from ide.inspectors.views.common import DISPLAY, FOREGROUND, TOOLTIP, JsonView, Refresher, brush

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("#", "Time", "Kind", "Type", "Source", "Payload")
KIND_COLOURS = {
    "event": "#1f6feb",
    "hook": "#8250df",
    "log": "#57606a",
    "error": "#cf222e",
    "resilience": "#bc4c00",
}
MAX_TYPES = 200  # types offered in the type filter (the search box finds any)
LEVEL_COLOURS = {"log.warn": "#9a6700", "log.error": "#cf222e", "log.debug": "#8c959f"}


class EventsTableModel(AppendTableModel):
    """The rows of an `EventsModel`, appended incrementally by `sync()`."""

    columns = COLUMNS

    def __init__(self, model: EventsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def items(self) -> list[Any]:
        return self.model.rows

    def row(self, index: Index) -> EventRow:
        return self.model.rows[index.row()]

    def data(self, index: Index, role: int = 0) -> Any:
        if role not in _ROLES:
            return None
        i = index.row()
        if i >= self.shown or i >= len(self.model.rows):
            return None
        row = self.model.rows[i]
        col = index.column()
        if role == DISPLAY:
            if col == 0:
                return str(row.seq)
            if col == 1:
                return f"{self.model.relative_time(row):.3f}s"
            return (row.kind, row.type, row.source, row.preview)[col - 2]
        if role == FOREGROUND:
            if col in (2, 3):
                colour = LEVEL_COLOURS.get(row.type) or KIND_COLOURS.get(row.kind)
                return brush(colour) if colour else None
            return None
        if col == 1:
            stamp = time.strftime("%H:%M:%S", time.localtime(row.ts))
            return f"{stamp}.{int(row.ts % 1 * 1000):03d}"
        return row.preview if col == 5 else None


_ROLES = frozenset((DISPLAY, FOREGROUND, TOOLTIP))


class EventsFilter(QSortFilterProxyModel):
    """Keeps the rows `EventsModel.matches` accepts for the current text and type filter."""

    def __init__(self, source: EventsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.text = ""
        self.type_filter = ""

    def set_filter(self, text: str, type_filter: str) -> None:
        self.beginFilterChange()
        self.text, self.type_filter = text.strip(), type_filter
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self.text and not self.type_filter:
            return True
        source = self.sourceModel()
        assert isinstance(source, EventsTableModel)
        rows = source.model.rows
        if source_row >= len(rows):
            return False
        return EventsModel.matches(rows[source_row], self.text, self.type_filter)


class EventsPane(QWidget):
    """Filter box + type filter + table + JSON viewer of the selected row's payload."""

    sig_row_selected = Signal(object)
    """Emitted with the selected `EventRow`."""

    def __init__(self, model: EventsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table_model = EventsTableModel(model, self)
        self.proxy = EventsFilter(self.table_model, self)
        self.search = QLineEdit(placeholderText="Search type, source, payload…")
        self.search.setClearButtonEnabled(True)
        self.type_box = QComboBox()
        self.type_box.addItem("All types", "")
        for kind in ROW_KINDS:
            self.type_box.addItem(f"{kind} records", kind)
        self._types_listed: set[str] = set()
        self.count_label = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.type_box)
        bar.addWidget(self.count_label)

        self.table = QTableView()
        self.proxy.setSourceModel(None)  # in use only while a filter is set (`_use_proxy`)
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((44, 62, 62, 150, 170)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.json = JsonView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.json)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([700, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self.search.textChanged.connect(self._filter_changed)
        self.type_box.currentIndexChanged.connect(self._filter_changed)
        self._watch_selection()
        self.refresher = Refresher(self.refresh, self, widget=self)
        self._unsubscribe = model.subscribe(self.refresher.poke)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    def refresh(self) -> None:
        """Bring the table up to date with the model (appends only)."""
        bar = self.table.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        reset = len(self.model.rows) < self.table_model.shown
        self.table_model.sync()
        if reset:  # forget the types of the run before
            self.type_box.blockSignals(True)
            while self.type_box.count() > len(ROW_KINDS) + 1:
                self.type_box.removeItem(self.type_box.count() - 1)
            self.type_box.blockSignals(False)
            self._types_listed.clear()
            self._filter_changed()
        if len(self.model.types) != len(self._types_listed) and len(self._types_listed) < MAX_TYPES:
            for name in list(self.model.types)[len(self._types_listed) : MAX_TYPES]:
                if name not in self._types_listed:
                    self._types_listed.add(name)
                    self.type_box.addItem(name, name)
        self.count_label.setText(f"{self.table.model().rowCount()} / {len(self.model.rows)}")
        if at_bottom:
            self.table.scrollToBottom()

    def set_filter(self, text: str = "", type_filter: str = "") -> None:
        """Set the search text and the type filter (a record kind or a type)."""
        self.search.setText(text)
        index = self.type_box.findData(type_filter)
        if index < 0:
            self.type_box.addItem(type_filter, type_filter)
            index = self.type_box.count() - 1
        self.type_box.setCurrentIndex(index)

    def _filter_changed(self, *_: object) -> None:
        text, type_filter = self.search.text(), str(self.type_box.currentData() or "")
        self._use_proxy(bool(text.strip() or type_filter))
        self.proxy.set_filter(text, type_filter)
        self.count_label.setText(f"{self.table.model().rowCount()} / {len(self.model.rows)}")

    def _use_proxy(self, on: bool) -> None:
        """Show the filter proxy (on) or the table model itself (off, no filter set)."""
        if on == (self.table.model() is self.proxy):
            return
        old = self.table.selectionModel()
        if on:
            self.proxy.setSourceModel(self.table_model)
            self.table.setModel(self.proxy)
        else:
            self.table.setModel(self.table_model)
            self.proxy.setSourceModel(None)
        old.deleteLater()
        self._watch_selection()  # setModel made a new selection model

    def _watch_selection(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

    def select_row(self, proxy_row: int) -> None:
        self.table.selectRow(proxy_row)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        source = self.proxy.mapToSource(current) if current.model() is self.proxy else current
        row = self.table_model.row(source)
        self.json.set_value(row.payload)
        self.sig_row_selected.emit(row)
