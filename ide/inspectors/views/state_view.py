"""The State pane: the state tree per scope, the history of changes, and a time slider.

Live, the tree follows the model incrementally: only the top-level keys a change touched are
rebuilt, and values changed by the latest changes are highlighted. Moving the slider back
shows `state_at` that point (the tree rebuilt once, debounced); moving it to the end is live.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ide.inspectors.models.state import ChangeMarks, StateChange, StateModel, Trees
from ide.inspectors.views.common import JsonView, Refresher, is_dark
from ide.inspectors.views.history_model import HistoryTableModel

HIGHLIGHT = {False: QBrush(QColor("#fff3b0")), True: QBrush(QColor("#5c4b00"))}  # light, dark
MAX_CHILDREN = 500
PATH_ROLE = Qt.ItemDataRole.UserRole
RECENT_CHANGES = 3  # the last this many changes are highlighted

Index = QModelIndex | QPersistentModelIndex


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} key{'' if len(value) == 1 else 's'}}}"
    if isinstance(value, list):
        return f"[{len(value)} item{'' if len(value) == 1 else 's'}]"
    return json.dumps(value, ensure_ascii=False, default=str)


class StatePane(QWidget):
    """Tree (key, value, last change) + history of changes with diffs + a slider."""

    sig_position_changed = Signal(int)
    """Emitted with the number of changes shown (the history length when live)."""

    def __init__(self, model: StateModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Key", "Value", "Changed at"])
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(0, 200)
        self.tree.header().resizeSection(1, 220)
        self.history_model = HistoryTableModel(model, self)
        self.history = QTableView()
        self.history.setModel(self.history_model)
        self.history.verticalHeader().hide()
        self.history.verticalHeader().setDefaultSectionSize(20)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((45, 50, 70, 130)):
            self.history.horizontalHeader().resizeSection(col, width)
        self.diff = JsonView()
        self.diff.setPlaceholderText("Select a change to see its diff.")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.position_label = QLabel("live")

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.history)
        right.addWidget(self.diff)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("State at:"))
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.position_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

        self._items: dict[tuple[str, str], QTreeWidgetItem] = {}
        self._expanded: set[tuple[str, str]] = set()
        self._lit: list[tuple[str, str]] = []
        self._lit_changes: list[StateChange] = []
        self._position_marks: ChangeMarks | None = None  # when not live: marks at the slider
        self._applied = 0  # history entries the live tree reflects
        self._live = True
        self._shown_position: int | None = None
        self.tree.itemExpanded.connect(lambda item: self._expanded.add(self._key(item)))
        self.tree.itemCollapsed.connect(lambda item: self._expanded.discard(self._key(item)))
        self.slider.valueChanged.connect(self._slider_moved)
        self.history.selectionModel().currentRowChanged.connect(self._history_selected)
        self._slider_timer = QTimer(self)
        self._slider_timer.setSingleShot(True)
        self._slider_timer.setInterval(30)
        self._slider_timer.timeout.connect(self._show_position)
        self.refresher = Refresher(self.refresh, self, widget=self)
        self._unsubscribe = model.subscribe(self.refresher.poke)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    # -- live updates ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Follow the model: new history rows, slider range, and (when live) the tree."""
        count = len(self.model.history)
        if count < self._applied:  # the model was reset
            self._applied = 0
            self._items.clear()
            self.tree.clear()
        self.history_model.sync()
        was_live = self._live
        self.slider.blockSignals(True)
        self.slider.setRange(0, count)
        if was_live:
            self.slider.setValue(count)
        self.slider.blockSignals(False)
        if was_live:
            self._apply_live(self.model.changes_since(self._applied))
            self._applied = count
            self._update_label()

    def _apply_live(self, changes: list[StateChange]) -> None:
        """Rebuild only the items at the paths the changes touched (not whole top-level keys)."""
        touched: dict[tuple[str, str], None] = {}
        for change in changes:
            if change.op == "snapshot":
                continue
            if change.path:
                touched[(change.scope, change.path)] = None
                continue
            for shown in list(self._items):  # the root changed: every top-level key
                if shown[0] == change.scope and shown[1] and "." not in shown[1]:
                    touched[shown] = None
            for name in self.model.trees.get(change.scope, {}):
                touched[(change.scope, name)] = None
        done: set[tuple[str, str]] = set()
        for scope, path in sorted(touched, key=lambda k: (k[0], k[1].count("."))):
            parts = path.split(".")
            if any((scope, ".".join(parts[:d])) in done for d in range(1, len(parts))):
                continue  # an ancestor was rebuilt already
            done.add(self._update_path(scope, parts))
        self._highlight(self.model.history[-RECENT_CHANGES:])

    def _update_path(self, scope: str, parts: list[str]) -> tuple[str, str]:
        """Rebuild the item at `parts` (or at its nearest ancestor whose parent is shown) and
        refresh the texts of its ancestors; returns the key rebuilt."""
        while len(parts) > 1 and (scope, ".".join(parts[:-1])) not in self._items:
            parts = parts[:-1]
        path = ".".join(parts)
        self._set_subtree(scope, path, self.model.value(scope, path, _MISSING))
        for depth in range(len(parts) - 1, 0, -1):
            above = ".".join(parts[:depth])
            item = self._items.get((scope, above))
            if item is not None:
                seq = self._marks.last(scope, above)
                item.setText(1, _value_text(self.model.value(scope, above)))
                item.setText(2, f"#{seq}" if seq else "")
        return scope, path

    @property
    def _marks(self) -> ChangeMarks:
        """Which record last changed each path, live or as of the slider's position."""
        if self._live or self._position_marks is None:
            return self.model.marks  # (a reset model has new marks: always ask it)
        return self._position_marks

    def _scope_item(self, scope: str) -> QTreeWidgetItem:
        item = self._items.get((scope, ""))
        if item is None:
            item = QTreeWidgetItem([f"{scope} scope", "", ""])
            item.setData(0, PATH_ROLE, (scope, ""))
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            scopes = sorted({s for s, p in self._items if p == ""} | {scope})
            self.tree.insertTopLevelItem(scopes.index(scope), item)
            self._items[(scope, "")] = item
            item.setExpanded(True)
        return item

    def _set_subtree(self, scope: str, path: str, value: Any) -> None:
        """Rebuild (or remove) the item of `path`, in place or in sorted order."""
        old = self._items.get((scope, path))
        position = None
        if old is not None:
            self._forget(old)
            holder = old.parent()
            if holder is not None:
                position = holder.indexOfChild(old)
                holder.removeChild(old)
        if value is _MISSING:
            return
        parent_path, _, key = path.rpartition(".")
        parent = self._items.get((scope, parent_path))
        if parent is None:
            parent = self._scope_item(scope)
        item = self._build(scope, path, key, value)
        if position is None:
            count = parent.childCount()
            position = next(
                (i for i in range(count) if (c := parent.child(i)) and c.text(0) > key), count
            )
        parent.insertChild(position, item)
        self._restore_expansion(item)

    def _forget(self, item: QTreeWidgetItem) -> None:
        self._items.pop(self._key(item), None)
        for i in range(item.childCount()):
            child = item.child(i)
            if child is not None:
                self._forget(child)

    def _build(self, scope: str, path: str, label: str, value: Any) -> QTreeWidgetItem:
        seq = self._marks.last(scope, path)
        item = QTreeWidgetItem([label, _value_text(value), f"#{seq}" if seq else ""])
        item.setData(0, PATH_ROLE, (scope, path))
        item.setToolTip(1, _value_text(value) if isinstance(value, dict | list) else str(value))
        self._items[(scope, path)] = item
        children: list[tuple[str, Any]] = []
        if isinstance(value, dict):
            children = sorted(value.items())
        elif isinstance(value, list):
            children = [(str(i + 1), v) for i, v in enumerate(value)]
        for name, child in children[:MAX_CHILDREN]:
            item.addChild(self._build(scope, f"{path}.{name}", name, child))
        if len(children) > MAX_CHILDREN:
            item.addChild(QTreeWidgetItem([f"… {len(children) - MAX_CHILDREN} more", "", ""]))
        return item

    def _restore_expansion(self, item: QTreeWidgetItem) -> None:
        key = self._key(item)
        if key in self._expanded or key[1].count(".") == 0:
            item.setExpanded(True)
        for i in range(item.childCount()):
            child = item.child(i)
            if child is not None and child.childCount():
                self._restore_expansion(child)

    @staticmethod
    def _key(item: QTreeWidgetItem) -> tuple[str, str]:
        data = item.data(0, PATH_ROLE)
        return (str(data[0]), str(data[1])) if data else ("", "")

    def _highlight(self, changes: list[StateChange]) -> None:
        """Highlight the items `changes` touched (and the way down to them); O(changes)."""
        for key in self._lit:
            item = self._items.get(key)
            if item is not None:
                for col in range(3):
                    item.setBackground(col, QBrush())
        self._lit_changes = changes
        lit: list[tuple[str, str]] = []
        highlight = HIGHLIGHT[is_dark(self)]
        for change in changes:
            if change.op == "snapshot":
                continue
            for target in [change.path] + [str(d.get("path") or "") for d in change.diff]:
                parts = target.split(".") if target else []
                for depth in range(1, len(parts) + 1):
                    key = (change.scope, ".".join(parts[:depth]))
                    item = self._items.get(key)
                    if item is not None:
                        for col in range(3):
                            item.setBackground(col, highlight)
                        lit.append(key)
        self._lit = lit

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light or dark highlight
            self._highlight(self._lit_changes)

    # -- time travel -------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self._live

    def set_position(self, count: int) -> None:
        """Show the state after the first `count` changes (the history length: live)."""
        self.slider.setValue(count)
        self._show_position()

    def _slider_moved(self, value: int) -> None:
        self._live = value >= len(self.model.history)
        self._slider_timer.start()

    def _show_position(self) -> None:
        self._slider_timer.stop()
        count = self.slider.value()
        self._live = count >= len(self.model.history)
        self._items.clear()
        self.tree.clear()
        self._position_marks = None if self._live else self.model.marks_at_index(count)
        trees: Trees = self.model.state_at_index(count)
        for scope in sorted(trees):
            self._scope_item(scope)
            for key, value in sorted(trees[scope].items()):
                self._set_subtree(scope, key, value)
        if self._live:
            self._applied = len(self.model.history)
            self._highlight(self.model.history[-RECENT_CHANGES:])
        elif count > 0:
            self._highlight([self.model.history[count - 1]])
        self._update_label()
        self.sig_position_changed.emit(count)

    def _update_label(self) -> None:
        count, total = self.slider.value(), len(self.model.history)
        if self._live:
            seq = self.model.last_seq
            self.position_label.setText(f"live · {total} changes" + (f" · #{seq}" if seq else ""))
        elif count == 0:
            self.position_label.setText(f"before any change · 0/{total}")
        else:
            seq = self.model.history[count - 1].seq
            self.position_label.setText(f"after record #{seq} · {count}/{total}")

    def _history_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        change = self.model.history[current.row()]
        self.diff.set_value(change.diff if change.op != "snapshot" else {"label": change.label})
        self.set_position(current.row() + 1)


_MISSING = object()
