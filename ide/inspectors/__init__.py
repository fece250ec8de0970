"""The live inspectors (State, Events, Traces, Metrics, Runs, Workflow), built from telemetry
records.

`InspectorHub` owns one of each model (plain Python, in `models/`); `make_panes(hub)` builds
their Qt views (in `views/`, the only place Qt is imported) and returns them by pane name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ide.inspectors.models import InspectorHub

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

PANE_NAMES = ("State", "Events", "Traces", "Metrics", "Runs", "Workflow")


def make_panes(hub: InspectorHub, parent: QWidget | None = None) -> dict[str, QWidget]:
    """One widget per pane name (`PANE_NAMES`), each subscribed to its model in `hub`."""
    from ide.inspectors.views import make_panes as _make_panes

    return _make_panes(hub, parent)


__all__ = ["PANE_NAMES", "InspectorHub", "make_panes"]
