"""The inspectors (state, events, traces, metrics, runs) come from `ide.inspectors`, built by
another part of the studio. This bridge creates their hub and docks when that package exists
and does nothing otherwise, so the window works either way."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QWidget

from engines.telemetry import Record

log = logging.getLogger(__name__)


class InspectorBridge:
    """Loads the inspectors on `load()` (they import pyqtgraph and numpy: ~1 s), which the
    studio calls once its window is on the screen, or at the first record at the latest."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.hub: Any = None
        self.panes: dict[str, QWidget] = {}
        self.problem: str | None = None
        self.loaded = False

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        window = self.window
        try:
            inspectors = importlib.import_module("ide.inspectors")
            self.hub = inspectors.InspectorHub()
            self.panes = dict(inspectors.make_panes(self.hub, window))
        except ModuleNotFoundError as exc:
            if exc.name not in ("ide.inspectors",):
                self.problem = f"inspectors unavailable: {exc}"
                log.warning(self.problem)
            return
        except Exception as exc:  # their bug must not take the studio down
            self.problem = f"inspectors unavailable: {type(exc).__name__}: {exc}"
            log.warning(self.problem)
            self.hub, self.panes = None, {}
            return
        first = None
        add_dock = getattr(window, "add_dock", None)
        for name, pane in self.panes.items():
            if add_dock is None:
                break
            dock = add_dock(name, pane, Qt.DockWidgetArea.BottomDockWidgetArea, tab_with="Console")
            window.add_view_toggle(dock)  # type: ignore[attr-defined]
            first = first or dock
        if "Console" in getattr(window, "docks", {}):
            window.docks["Console"].raise_()  # type: ignore[attr-defined]

    def reset(self) -> None:
        self.load()
        if self.hub is not None:
            try:
                self.hub.reset()
            except Exception as exc:
                log.warning("inspector reset failed: %s", exc)

    def feed(self, records: list[Record]) -> None:
        self.load()
        if self.hub is not None:
            try:
                self.hub.feed(records)
            except Exception as exc:
                log.warning("inspector feed failed: %s", exc)
