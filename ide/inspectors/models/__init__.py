"""Inspector models: plain Python, no Qt. Fed by telemetry records; views subscribe to them."""

from ide.inspectors.models.base import Observable, RecordModel, as_record
from ide.inspectors.models.compare import CompareRow, RunComparison, RunSide, compare_runs
from ide.inspectors.models.events import EventRow, EventsModel
from ide.inspectors.models.hub import InspectorHub
from ide.inspectors.models.metrics import MetricsModel, Series
from ide.inspectors.models.runs import RunsModel
from ide.inspectors.models.state import StateChange, StateModel
from ide.inspectors.models.traces import SpanNode, TracesModel
from ide.inspectors.models.workflow import Execution, WorkflowModel, WorkflowNode

__all__ = [
    "CompareRow",
    "EventRow",
    "EventsModel",
    "Execution",
    "InspectorHub",
    "MetricsModel",
    "Observable",
    "RecordModel",
    "RunComparison",
    "RunSide",
    "RunsModel",
    "Series",
    "SpanNode",
    "StateChange",
    "StateModel",
    "TracesModel",
    "WorkflowModel",
    "WorkflowNode",
    "as_record",
    "compare_runs",
]
