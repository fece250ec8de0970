"""The run store: every run's facts and its telemetry records, persisted in SQLite.

`RunStore` is the database, `StoreSink` the telemetry sink that feeds it in batches, and
`engines.store.export` turns a stored run into JSON lines or OpenTelemetry spans. Nothing
here imports OpenTelemetry until an export to it is actually asked for.
"""

from __future__ import annotations

from engines.store.runs import (
    RUN_STATUSES,
    AmbiguousRunError,
    RunInfo,
    RunLookupError,
    RunNotFoundError,
    RunStore,
    StoreSink,
    default_runs_db,
)

__all__ = [
    "RUN_STATUSES",
    "AmbiguousRunError",
    "RunInfo",
    "RunLookupError",
    "RunNotFoundError",
    "RunStore",
    "StoreSink",
    "default_runs_db",
]
