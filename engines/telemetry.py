"""Telemetry records: the one stream every reader (CLI, run store, IDE panes) is built from.

Each API call and engine action becomes a `Record` with the run id, a sequence number that is
strictly increasing within the run, and a wall-clock timestamp. A `Telemetry` object stamps
records and fans them out to sinks; a sink is anything with `emit(record)`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

# The record kinds a reader may see; `data` differs per kind (see docs/telemetry.md).
RECORD_KINDS = (
    "run.start",
    "run.end",
    "log",
    "output",
    "state",
    "event",
    "hook",
    "span.start",
    "span.end",
    "metric",
    "error",
    "recorded",
    "resilience",
)


@dataclass(slots=True)
class Record:
    kind: str
    run: str
    seq: int
    ts: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        header = {"kind": self.kind, "run": self.run, "seq": self.seq, "ts": self.ts}
        # Header first and winning: a data key named like a header field cannot overwrite it.
        return {**header, **self.data, **header}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Record:
        data = {k: v for k, v in raw.items() if k not in ("kind", "run", "seq", "ts")}
        return cls(raw["kind"], raw["run"], raw["seq"], raw["ts"], data)


class Sink(Protocol):
    def emit(self, record: Record) -> None: ...


class ListSink:
    """Keeps every record in memory; used by tests and by short runs that are read afterwards."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def emit(self, record: Record) -> None:
        self.records.append(record)

    def of_kind(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]


class CallbackSink:
    def __init__(self, callback: Callable[[Record], None]) -> None:
        self._callback = callback

    def emit(self, record: Record) -> None:
        self._callback(record)


class Telemetry:
    """Stamps records for one run and hands them to every sink, in order.

    Thread-safe: API calls may come from engine worker threads (parallel workflow branches),
    and sequence numbers must still be unique and ordered as emitted.
    """

    def __init__(self, run_id: str, sinks: Iterable[Sink] = ()) -> None:
        self.run_id = run_id
        self.sinks: list[Sink] = list(sinks)
        self._seq = 0
        self._lock = threading.Lock()

    def add_sink(self, sink: Sink) -> None:
        with self._lock:
            self.sinks.append(sink)

    def emit(self, kind: str, data: dict[str, Any]) -> Record:
        with self._lock:
            self._seq += 1
            record = Record(kind, self.run_id, self._seq, time.time(), data)
            for sink in self.sinks:
                sink.emit(record)
        return record
