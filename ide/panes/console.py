"""The run console: output and logs with levels and colours, clickable file:line locations,
search, copy and clear.

A virtual list (one row per line; only the visible rows are ever laid out or painted), so
that tens of thousands of lines per second cost little: records arrive in batches and each
batch is one row insertion. It keeps the last `MAX_LINES` lines.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engines.telemetry import Record
from ide.theme import colours

LOCATION = re.compile(r"((?:[A-Za-z]:)?[\w./\\-]+\.(?:lua|js|mjs|tengo|yaml)):(\d+)")
MAX_LINES = 10_000
FLUSH_MS = 100
"""Records wait this long before they become lines: under a flood the console inserts rows
and repaints ten times a second, not after every batch."""
LEVELS = ("debug", "info", "warn", "error", "output", "system")
Index = QModelIndex | QPersistentModelIndex


def _may_locate(text: str) -> bool:
    """A cheap test before the location regex (which is slow on long runs of words)."""
    return any(suffix in text for suffix in (".lua:", ".js:", ".tengo:", ".yaml:", ".mjs:"))


def _fields(fields: object) -> str:
    if not isinstance(fields, dict):
        return json.dumps(fields, ensure_ascii=False, default=str)
    parts = []
    for key, value in fields.items():
        if isinstance(value, str | int | float | bool) or value is None:
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={json.dumps(value, ensure_ascii=False, default=str)}")
    return " ".join(parts)


def render(record: Record) -> tuple[str, str] | None:
    """(level, text) for a record the console shows, or None."""
    data = record.data
    if record.kind == "output":
        return ("error" if data.get("stream") == "stderr" else "output"), str(data.get("text", ""))
    if record.kind == "log":
        fields = data.get("fields")
        extra = f" {_fields(fields)}" if fields else ""
        level = str(data.get("level", "info"))
        return level, f"[{level}] {data.get('message', '')}{extra}"
    if record.kind == "error":
        return "error", f"error: {data.get('message', data)}"
    if record.kind == "run.start":
        return "system", f"▶ run {record.run} of {data.get('spell') or data.get('program') or ''}"
    if record.kind == "run.end":
        error = data.get("error")
        duration = data.get("duration")
        took = f" in {duration:.2f} s" if isinstance(duration, int | float) else ""
        text = f"■ {data.get('status', '?')}{took} (exit code {data.get('exit_code')})"
        if error:
            where = f"{error.get('file')}:{error.get('line')}: " if error.get("file") else ""
            return "error", f"{where}{error.get('kind', 'error')}: {error.get('message')}\n{text}"
        return "system", text
    return None


def location(text: str, base_dir: str | None = None) -> tuple[str, int] | None:
    """The first file:line in a line of text, as an absolute path (relative to `base_dir`)."""
    match = LOCATION.search(text) if _may_locate(text) else None
    if match is None:
        return None
    path = match.group(1)
    if not os.path.isabs(path) and base_dir:
        path = os.path.join(base_dir, path)
    return os.path.normpath(path), int(match.group(2))


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ROLES = frozenset((_DISPLAY, _FOREGROUND, _FONT, int(Qt.ItemDataRole.ToolTipRole)))


class ConsoleModel(QAbstractListModel):
    """The console's lines: (level, text) pairs, oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines: list[tuple[str, str]] = []
        self.set_theme("light")
        self._link_font = QFont()
        self._link_font.setUnderline(True)

    def set_theme(self, theme: str) -> None:
        c = colours(theme)
        self._brushes = {level: QBrush(QColor(c[f"log_{level}"])) for level in LEVELS}
        if self.lines:
            self.dataChanged.emit(self.index(0), self.index(len(self.lines) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.lines)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Roles compared as plain ints (comparing with a Qt enum member costs ~1 µs in
        # PySide6), and unused roles answered first: data() runs per visible cell and role
        # on every repaint.
        if role not in _ROLES:
            return None
        row = index.row()
        if row >= len(self.lines) or not index.isValid():
            return None
        level, text = self.lines[row]
        if role == _DISPLAY:
            return text
        if role == _FOREGROUND:
            return self._brushes.get(level, self._brushes["info"])
        if not (_may_locate(text) and LOCATION.search(text)):
            return None
        return self._link_font if role == _FONT else "Click to open this location"

    def append(self, segments: list[tuple[str, str]]) -> None:
        new: list[tuple[str, str]] = []
        for level, text in segments:
            for line in text.rstrip("\n").split("\n"):
                new.append((level, line))
        if not new:
            return
        overflow = len(self.lines) + len(new) - MAX_LINES
        if overflow > 0:
            if overflow >= len(self.lines):
                new = new[-MAX_LINES:]
                self.clear()
            else:
                self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
                del self.lines[:overflow]
                self.endRemoveRows()
        first = len(self.lines)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self.lines.extend(new)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.lines = []
        self.endResetModel()


class ConsoleView(QTableView):
    sig_location_clicked = Signal(str, int)
    """A file:line location was clicked: (absolute path, line)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console_model = ConsoleModel(self)
        self.setModel(self.console_model)
        # A table with fixed row heights: appending rows costs little (a list or tree view
        # lays out every row again on each insertion).
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        font = QFont("DejaVu Sans Mono", 9)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        rows.setDefaultSectionSize(QFontMetrics(font).height() + 2)
        self.base_dir: str | None = None
        self._follow_pending = False
        self.follow = True
        self.verticalScrollBar().actionTriggered.connect(self._on_user_scroll)
        self.clicked.connect(self._on_clicked)
        QShortcut(QKeySequence.StandardKey.Copy, self, self.copy_selection)

    def set_theme(self, theme: str) -> None:
        self.console_model.set_theme(theme)

    def append_segments(self, segments: list[tuple[str, str]]) -> None:
        if not segments:
            return
        self.console_model.append(segments)
        if self.follow and not self._follow_pending:  # once per turn of the event loop
            self._follow_pending = True
            QTimer.singleShot(0, self, self.scroll_to_end)

    def scroll_to_end(self) -> None:
        self._follow_pending = False
        self.scrollToBottom()

    def _on_user_scroll(self, _action: int) -> None:
        # Follow new lines while the user stays at the bottom; stop when they scroll up.
        QTimer.singleShot(0, self, self._update_follow)

    def _update_follow(self) -> None:
        bar = self.verticalScrollBar()
        self.follow = bar.value() >= bar.maximum() - 2

    def _on_clicked(self, index: QModelIndex) -> None:
        found = location(str(index.data()), self.base_dir)
        if found:
            self.sig_location_clicked.emit(*found)

    def copy_selection(self) -> None:
        rows = sorted(i.row() for i in self.selectedIndexes())
        QGuiApplication.clipboard().setText("\n".join(self.console_model.lines[r][1] for r in rows))


class ConsolePane(QWidget):
    """The console view with a search field, a case toggle and a clear button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ConsoleView(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search the console (Enter: next, Shift+Enter: previous)")
        self.search.returnPressed.connect(lambda: self.find_text(self.search.text()))
        self.case = QCheckBox("Aa", self)
        self.case.setToolTip("Match case")
        buttons = []
        for label, slot in (
            ("▲", lambda: self.find_text(self.search.text(), backward=True)),
            ("▼", lambda: self.find_text(self.search.text())),
            ("Clear", self.clear),
        ):
            button = QToolButton(self)
            button.setText(label)
            button.clicked.connect(slot)
            buttons.append(button)
        bar = QHBoxLayout()
        bar.setContentsMargins(2, 2, 2, 2)
        for widget in (self.search, self.case, *buttons):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self.sig_location_clicked = self.view.sig_location_clicked
        self._pending: list[Record] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)

    def add_records(self, records: list[Record]) -> None:
        """Queue records; they are rendered and shown together `FLUSH_MS` later."""
        self._pending.extend(records)
        if len(self._pending) > 4 * MAX_LINES:  # only the last lines would stay anyway
            del self._pending[:-MAX_LINES]
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        """Show the queued records now."""
        self._flush_timer.stop()
        records, self._pending = self._pending[-MAX_LINES:], []
        if records:
            self.view.append_segments([seg for seg in map(render, records) if seg is not None])

    def message(self, level: str, text: str) -> None:
        self.flush()  # after the records that came before it
        self.view.append_segments([(level, text)])

    def clear(self) -> None:
        self._flush_timer.stop()
        self._pending = []
        self.view.console_model.clear()

    def text(self) -> str:
        self.flush()
        return "\n".join(text for _, text in self.view.console_model.lines)

    def find_text(self, needle: str, backward: bool = False) -> bool:
        """Select the next (or previous) line containing `needle`, wrapping around."""
        self.flush()
        lines = self.view.console_model.lines
        if not needle or not lines:
            return False
        case = self.case.isChecked()
        wanted = needle if case else needle.lower()
        current = self.view.currentIndex().row()
        count = len(lines)
        step = -1 if backward else 1
        start = current if current >= 0 else (count if backward else -1)
        for offset in range(1, count + 1):
            row = (start + step * offset) % count
            text = lines[row][1] if case else lines[row][1].lower()
            if wanted in text:
                index = self.view.console_model.index(row)
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index)
                return True
        return False
