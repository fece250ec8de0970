"""The Runs inspector's model: past runs from the run store, opened or compared.

Reads `engines.store.runs.RunStore` (list_runs, get_run, records; never writes a record).
`open(run_id)` feeds a run's records into a fresh `InspectorHub`, so every inspector shows it
as it was; `compare(a, b)` aligns two runs (see `compare.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engines.store.runs import RunInfo, RunStore
from ide.inspectors.models.base import Observable, RecordLike
from ide.inspectors.models.compare import RunComparison, compare_runs, side_of

if TYPE_CHECKING:
    from ide.inspectors.models.hub import InspectorHub


class RunsModel(Observable):
    """`runs` (most recent first) from the store at `path` (the default runs database)."""

    def __init__(self, store: RunStore | str | Path | None = None, limit: int = 200) -> None:
        super().__init__()
        self._store = store if isinstance(store, RunStore) else None
        self._path = None if isinstance(store, RunStore) else store
        self.limit = limit
        self.runs: list[RunInfo] = []
        self.comparison: RunComparison | None = None
        self.error: str | None = None
        self.stale = True  # a run ended since the list was read

    @property
    def store(self) -> RunStore:
        if self._store is None:
            self._store = RunStore(self._path)
        return self._store

    def refresh(self) -> list[RunInfo]:
        """Read the list of runs again (a store that cannot be opened gives an empty list)."""
        try:
            self.runs = self.store.list_runs(self.limit)
            self.error = None
        except Exception as exc:  # a locked or corrupt database must not break the pane
            self.runs, self.error = [], f"cannot read the run store: {exc}"
        self.stale = False
        self._notify()
        return self.runs

    def mark_stale(self) -> None:
        """A run ended: the list should be read again (views do it when shown)."""
        self.stale = True
        self._notify()

    def records(self, run_id: str) -> list[RecordLike]:
        return list(self.store.records(self.store.get_run(run_id).id))

    def open(self, run_id: str) -> InspectorHub:
        """A fresh hub with every record of the run fed in."""
        from ide.inspectors.models.hub import InspectorHub

        hub = InspectorHub(runs=self, live=False)
        hub.feed(self.records(run_id))
        return hub

    def compare(self, a: str, b: str) -> RunComparison:
        """Runs `a` and `b` side by side; kept as `comparison` for the view."""
        run_a, run_b = self.store.get_run(a).id, self.store.get_run(b).id
        self.comparison = compare_runs(
            side_of(run_a, self.store.records(run_a)), side_of(run_b, self.store.records(run_b))
        )
        self._notify()
        return self.comparison

    def info(self, run_id: str) -> RunInfo:
        return self.store.get_run(run_id)

    def close(self) -> None:
        if self._store is not None and self._path is not None:
            self._store.close()
            self._store = None
