"""Sends telemetry records to the client in batches, as `llmspell/telemetry` events.

A spell may emit a hundred thousand records; one DAP event each would swamp the client.
Records are queued and flushed every few milliseconds or when a batch is full. Output
records also go out as standard `output` events (in order with the batches) so generic
DAP clients such as VS Code show what the spell prints.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from engines.host.protocol import TELEMETRY_EVENT, MessageWriter
from engines.telemetry import Record

FLUSH_SECONDS = 0.02
GATHER_SECONDS = 0.002
BATCH_SIZE = 2000


class DapTelemetrySink:
    """A record after a quiet spell goes out within a couple of milliseconds (the first
    output of a run must show at once); under a flood, batches go out at most every
    FLUSH_SECONDS."""

    def __init__(self, writer: MessageWriter) -> None:
        self._writer = writer
        self._lock = threading.Lock()
        self._pending: list[Record] = []
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="telemetry-flush")
        self._thread.start()

    def emit(self, record: Record) -> None:
        with self._lock:
            self._pending.append(record)
            count = len(self._pending)
        if count == 1:
            self._wake.set()
        elif count >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            # Sent under the lock so batches never overtake each other.
            if batch:
                self._send(batch)

    def _send(self, batch: list[Record]) -> None:
        self._writer.event(TELEMETRY_EVENT, {"records": [r.to_dict() for r in batch]})
        for record in batch:
            output = _output_event(record)
            if output is not None:
                self._writer.event("output", output)

    def _loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait()
            time.sleep(GATHER_SECONDS)  # take what comes right behind in the same batch
            self._wake.clear()
            self.flush()
            self._closed.wait(FLUSH_SECONDS)  # pace the batches under a flood

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        self.flush()


def _output_event(record: Record) -> dict[str, Any] | None:
    data = record.data
    if record.kind == "output":
        text = data["text"]
    elif record.kind == "log":
        text = f"[{data['level']}] {data['message']}\n"
    else:
        return None
    category = "stdout" if record.kind == "output" else "console"
    # `data.llmspell` marks events that repeat a record: our own clients skip them.
    return {"category": category, "output": text, "data": {"llmspell": "record", "seq": record.seq}}
