"""Qt views of the inspector models; the only part of `ide.inspectors` that imports Qt."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ide.inspectors.models.hub import InspectorHub
from ide.inspectors.views.events_view import EventsPane
from ide.inspectors.views.metrics_view import MetricsPane
from ide.inspectors.views.runs_view import RunsPane
from ide.inspectors.views.state_view import StatePane
from ide.inspectors.views.traces_view import TracesPane
from ide.inspectors.views.workflow_view import WorkflowPane


def make_panes(hub: InspectorHub, parent: QWidget | None = None) -> dict[str, QWidget]:
    """The panes, keyed "State", "Events", "Traces", "Metrics", "Runs", "Workflow"."""
    return {
        "State": StatePane(hub.state, parent),
        "Events": EventsPane(hub.events, parent),
        "Traces": TracesPane(hub.traces, parent),
        "Metrics": MetricsPane(hub.metrics, parent),
        "Runs": RunsPane(hub.runs, parent),
        "Workflow": WorkflowPane(hub.workflow, parent),
    }


__all__ = [
    "EventsPane",
    "MetricsPane",
    "RunsPane",
    "StatePane",
    "TracesPane",
    "WorkflowPane",
    "make_panes",
]
