"""`InspectorHub`: one of each inspector model, fed from one record stream.

`feed(records)` routes each record by kind to the models that read it (a dict lookup per
record) and notifies each model that took something once per batch. A `run.start` of another
run than the one shown starts over (`reset()`), so a hub always shows one run.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ide.inspectors.models.base import RecordLike, RecordModel, as_record
from ide.inspectors.models.events import EventsModel
from ide.inspectors.models.metrics import MetricsModel
from ide.inspectors.models.runs import RunsModel
from ide.inspectors.models.state import StateModel
from ide.inspectors.models.traces import TracesModel
from ide.inspectors.models.workflow import WorkflowModel


class InspectorHub:
    """`state`, `events`, `traces`, `metrics`, `workflow` (fed by records) and `runs` (the run
    store)."""

    def __init__(
        self,
        runs: RunsModel | None = None,
        runs_db: str | Path | None = None,
        *,
        live: bool = True,
    ) -> None:
        """`runs` (or a RunsModel of `runs_db`) lists past runs; a `live` hub tells it when a
        run ends, a hub of a stored run (`live=False`) does not."""
        self.state = StateModel()
        self.events = EventsModel()
        self.traces = TracesModel()
        self.metrics = MetricsModel()
        self.workflow = WorkflowModel()
        self.runs = runs if runs is not None else RunsModel(runs_db)
        self.live = live
        self.run_id: str | None = None
        self.record_count = 0
        self.last_seq: int | None = None
        self._routes: dict[str, list[RecordModel]] = {}
        for model in self.models:
            for kind in model.KINDS:
                self._routes.setdefault(kind, []).append(model)

    @property
    def models(self) -> tuple[RecordModel, ...]:
        return (self.state, self.events, self.traces, self.metrics, self.workflow)

    def feed(self, records: Iterable[RecordLike | dict[str, Any]]) -> None:
        """Take a batch of records (Record objects or the protocol's flat dicts)."""
        touched: dict[int, RecordModel] = {}
        routes = self._routes
        run_ended = False
        for raw in records:
            record = as_record(raw)
            kind = record.kind
            if kind == "run.start":
                if self.run_id is not None and record.run != self.run_id:
                    self._notify(touched)
                    touched = {}
                    self.reset()
                self.run_id = record.run
                self.events.set_start(record.ts)
            elif kind == "run.end":
                run_ended = True
            elif self.run_id is None:
                self.run_id = record.run
            self.record_count += 1
            self.last_seq = record.seq
            for model in routes.get(kind, ()):
                model.add(record)
                touched[id(model)] = model
        self._notify(touched)
        if run_ended and self.live:
            self.runs.mark_stale()

    @staticmethod
    def _notify(touched: dict[int, RecordModel]) -> None:
        for model in touched.values():
            model.notify()

    def reset(self) -> None:
        """Forget the run shown (the run list stays)."""
        self.run_id = None
        self.record_count = 0
        self.last_seq = None
        for model in self.models:
            model.reset()  # type: ignore[attr-defined]
