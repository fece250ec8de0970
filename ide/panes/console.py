"""The run console: output and logs with levels and colours, clickable file:line locations,
search and clear. Records arrive in batches and are inserted with one cursor edit per batch.
"""

from __future__ import annotations

import json
import os
import re

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engines.telemetry import Record
from ide.theme import colours

LOCATION = re.compile(r"((?:[A-Za-z]:)?[\w./\\-]+\.(?:lua|js|mjs|tengo|yaml)):(\d+)")
MAX_LINES = 20000


def render(record: Record) -> tuple[str, str] | None:
    """(level, text) for a record the console shows, or None."""
    data = record.data
    if record.kind == "output":
        return ("error" if data.get("stream") == "stderr" else "output"), str(data.get("text", ""))
    if record.kind == "log":
        fields = data.get("fields")
        extra = f" {json.dumps(fields, ensure_ascii=False, default=str)}" if fields else ""
        level = str(data.get("level", "info"))
        return level, f"[{level}] {data.get('message', '')}{extra}\n"
    if record.kind == "error":
        return "error", f"error: {data.get('message', data)}\n"
    if record.kind == "run.start":
        return "system", f"▶ run {record.run} of {data.get('spell') or data.get('program') or ''}\n"
    if record.kind == "run.end":
        error = data.get("error")
        status = data.get("status", "?")
        duration = data.get("duration")
        took = f" in {duration:.2f} s" if isinstance(duration, int | float) else ""
        text = f"■ {status}{took} (exit code {data.get('exit_code')})\n"
        if error:
            where = f"{error.get('file')}:{error.get('line')}: " if error.get("file") else ""
            text = f"{where}{error.get('kind', 'error')}: {error.get('message')}\n{text}"
            return "error", text
        return "system", text
    return None


class ConsoleView(QPlainTextEdit):
    sig_location_clicked = Signal(str, int)
    """A file:line location was clicked: (absolute path, line)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setUndoRedoEnabled(False)
        font = QFont("DejaVu Sans Mono", 9)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.base_dir: str | None = None
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.set_theme("light")

    def set_theme(self, theme: str) -> None:
        c = colours(theme)
        self._formats: dict[str, QTextCharFormat] = {}
        for level in ("debug", "info", "warn", "error", "output", "system"):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(c[f"log_{level}"]))
            if level == "error":
                fmt.setFontWeight(600)
            self._formats[level] = fmt
        self._link = QTextCharFormat()
        self._link.setForeground(QColor(c["link"]))
        self._link.setFontUnderline(True)

    def append_segments(self, segments: list[tuple[str, str]]) -> None:
        """Append (level, text) segments in one edit; locations become links."""
        if not segments:
            return
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        for level, text in segments:
            fmt = self._formats.get(level, self._formats["info"])
            pos = 0
            for match in LOCATION.finditer(text):
                cursor.insertText(text[pos : match.start()], fmt)
                cursor.insertText(match.group(0), self._link)
                pos = match.end()
            cursor.insertText(text[pos:], fmt)
        cursor.endEditBlock()
        if at_bottom:
            bar.setValue(bar.maximum())

    def location_at(self, x: int, y: int) -> tuple[str, int] | None:
        cursor = self.cursorForPosition(QPoint(x, y))  # viewport coordinates
        text, column = cursor.block().text(), cursor.positionInBlock()
        for match in LOCATION.finditer(text):
            if match.start() <= column <= match.end():
                path = match.group(1)
                if not os.path.isabs(path) and self.base_dir:
                    path = os.path.join(self.base_dir, path)
                return os.path.normpath(path), int(match.group(2))
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            found = self.location_at(int(event.position().x()), int(event.position().y()))
            if found:
                self.sig_location_clicked.emit(*found)


class ConsolePane(QWidget):
    """The console view with a search field, a wrap toggle and a clear button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ConsoleView(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search the console (Enter: next, Shift+Enter: previous)")
        self.search.returnPressed.connect(lambda: self.find(self.search.text()))
        self.case = QCheckBox("Aa", self)
        self.case.setToolTip("Match case")
        previous = QToolButton(self)
        previous.setText("▲")
        previous.clicked.connect(lambda: self.find(self.search.text(), backward=True))
        following = QToolButton(self)
        following.setText("▼")
        following.clicked.connect(lambda: self.find(self.search.text()))
        clear = QToolButton(self)
        clear.setText("Clear")
        clear.clicked.connect(self.clear)
        bar = QHBoxLayout()
        bar.setContentsMargins(2, 2, 2, 2)
        for widget in (self.search, self.case, previous, following, clear):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self.sig_location_clicked = self.view.sig_location_clicked

    def add_records(self, records: list[Record]) -> None:
        segments = [seg for seg in map(render, records) if seg is not None]
        self.view.append_segments(segments)

    def message(self, level: str, text: str) -> None:
        self.view.append_segments([(level, text if text.endswith("\n") else text + "\n")])

    def clear(self) -> None:
        self.view.clear()

    def text(self) -> str:
        return self.view.toPlainText()

    def find(self, needle: str, backward: bool = False) -> bool:
        if not needle:
            return False
        flags = QTextDocument.FindFlag(0)
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        if self.case.isChecked():
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if self.view.find(needle, flags):
            return True
        cursor = self.view.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
        )
        self.view.setTextCursor(cursor)
        return self.view.find(needle, flags)
