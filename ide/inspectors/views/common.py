"""Pieces the inspector views share: a batching refresher and a JSON viewer.

A model calls its observers after every batch of records; a view must not repaint for each.
`Refresher` turns notifications into at most one refresh per interval (a single-shot QTimer)
and measures how long each refresh took, so benchmarks can report the worst one.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import JsonLexer
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

REFRESH_MS = 50


class Refresher(QObject):
    """Calls `refresh()` once, `interval_ms` after the first `poke()` since the last call.

    Given the pane's widget, a refresh due while the pane is hidden waits until it is shown
    (Thonny's rule: a pane does work only while visible), so hidden panes cost nothing.
    """

    sig_refreshed = Signal(float)
    """Emitted after each refresh with the seconds it took."""

    def __init__(
        self,
        refresh: Callable[[], None],
        parent: QObject | None = None,
        interval_ms: int = REFRESH_MS,
        widget: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._refresh = refresh
        self._widget = widget
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._due)
        if widget is not None:
            widget.installEventFilter(self)
        self.last_seconds = 0.0
        self.worst_seconds = 0.0

    def poke(self) -> None:
        """Something changed: refresh soon (coalesced with other pokes)."""
        if not self._timer.isActive():
            self._timer.start()

    def _due(self) -> None:
        if self._widget is not None and not self._widget.isVisible():
            self._pending = True
            return
        self.flush()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and self._pending:
            self.poke()
        return False

    def flush(self) -> None:
        """Refresh now (tests and benchmarks call this instead of waiting for the timer)."""
        self._timer.stop()
        self._pending = False
        started = time.perf_counter()
        self._refresh()
        self.last_seconds = time.perf_counter() - started
        self.worst_seconds = max(self.worst_seconds, self.last_seconds)
        self.sig_refreshed.emit(self.last_seconds)


_FORMATTERS = {
    False: HtmlFormatter(noclasses=True, nowrap=True, style="friendly"),
    True: HtmlFormatter(noclasses=True, nowrap=True, style="monokai"),
}


def is_dark(widget: QWidget) -> bool:
    """Whether the widget's palette is a dark theme (its base colour is dark)."""
    return widget.palette().color(QPalette.ColorRole.Base).lightness() < 128


def json_html(value: Any, limit: int = 200_000, dark: bool = False) -> str:
    """`value` as pretty JSON, coloured by pygments, as an HTML fragment."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "\n…"
    return f"<pre style='margin:0'>{highlight(text, JsonLexer(), _FORMATTERS[dark])}</pre>"


class JsonView(QTextBrowser):
    """A read-only, pygments-coloured JSON viewer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
        self.value: Any = None

    def set_value(self, value: Any) -> None:
        self.value = value
        self.setHtml(json_html(value, dark=is_dark(self)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.value is not None:
            self.set_value(self.value)  # light or dark colours


def human_seconds(seconds: float | None) -> str:
    """`850µs`, `12.3ms`, `1.52s`, `2m03s`, or `—`."""
    if seconds is None:
        return "—"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f}µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    return f"{int(seconds // 60)}m{seconds % 60:02.0f}s"


def human_cost(cost: float) -> str:
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


# Item roles as plain ints: comparing the int a view passes to data() with a Qt enum member
# costs ~1 µs in PySide6, and data() runs for every visible cell and role on every repaint.
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
USER = int(Qt.ItemDataRole.UserRole)
ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@functools.cache
def brush(colour: str) -> QBrush:
    """A shared brush per colour (making one costs ~10 µs; data() returns many)."""
    return QBrush(QColor(colour))
