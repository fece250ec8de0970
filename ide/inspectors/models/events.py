"""The Events inspector's model: every event, hook, log, error and resilience record as a row.

Rows are appended in record order (O(1) per record); the preview text is computed when first
read, so feeding stays cheap while a view shows only the rows on screen. `matches` is the
filter a view applies (a type filter plus a case-insensitive search over type, source and
payload).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ide.inspectors.models.base import RecordLike, RecordModel, short

ROW_KINDS = ("event", "hook", "log", "error", "resilience")


@dataclass(slots=True)
class EventRow:
    """One row of the table: `kind` is the record kind, `type` what to filter and sort by."""

    seq: int
    ts: float
    kind: str
    type: str
    source: str
    payload: Any
    _preview: str | None = None
    _search: str | None = None

    @property
    def preview(self) -> str:
        if self._preview is None:
            self._preview = short(self.payload, 160)
        return self._preview

    def search_text(self) -> str:
        if self._search is None:
            self._search = f"{self.kind} {self.type} {self.source} {short(self.payload, 4000)}"
            self._search = self._search.lower()
        return self._search


def _row_of(record: RecordLike) -> EventRow:
    data, kind = record.data, record.kind
    if kind == "event":
        handlers = data.get("handlers") or []
        source = f"{len(handlers)} handler(s)" if handlers else "no handler"
        return EventRow(
            record.seq, record.ts, kind, str(data.get("type")), source, data.get("data")
        )
    if kind == "hook":
        if "error" in data:
            outcome = f"error: {data['error']}"
        elif data.get("cancelled"):
            outcome = f"cancelled: {data.get('reason') or ''}".rstrip(": ")
        else:
            outcome = "changed" if data.get("changed") else "passed"
        source = f"hook {data.get('hook')} (priority {data.get('priority', '?')}) {outcome}"
        return EventRow(record.seq, record.ts, kind, str(data.get("point")), source, data)
    if kind == "log":
        level = str(data.get("level", "info"))
        payload = {"message": data.get("message"), **(data.get("fields") or {})}
        return EventRow(
            record.seq, record.ts, kind, f"log.{level}", str(data.get("message")), payload
        )
    if kind == "resilience":
        return EventRow(
            record.seq, record.ts, kind, f"resilience.{data.get('action')}", "llm", data
        )
    return EventRow(record.seq, record.ts, kind, kind, str(data.get("message", "")), data)


class EventsModel(RecordModel):
    """`rows` in record order; `types` every type seen (for a type filter) with counts."""

    KINDS = ROW_KINDS

    def __init__(self) -> None:
        super().__init__()
        self.reset(notify=False)

    def reset(self, notify: bool = True) -> None:
        self.rows: list[EventRow] = []
        self.types: dict[str, int] = {}
        self.kinds: dict[str, int] = {}
        self.start_ts: float | None = None
        if notify:
            self._notify()

    def add(self, record: RecordLike) -> None:
        """Take one event, hook, log, error or resilience record."""
        row = _row_of(record)
        if self.start_ts is None:
            self.start_ts = row.ts
        self.rows.append(row)
        self.types[row.type] = self.types.get(row.type, 0) + 1
        self.kinds[row.kind] = self.kinds.get(row.kind, 0) + 1

    def set_start(self, ts: float) -> None:
        """Times are shown relative to this (the hub passes the run.start time)."""
        self.start_ts = ts

    def relative_time(self, row: EventRow) -> float:
        return row.ts - (self.start_ts if self.start_ts is not None else row.ts)

    @staticmethod
    def matches(row: EventRow, text: str = "", type_filter: str = "") -> bool:
        """Whether `row` passes a filter: `type_filter` is a record kind (`event`, `hook`,
        `log`, …) or a type prefix (`order.`); `text` is searched case-insensitively."""
        if type_filter and row.kind != type_filter and not row.type.startswith(type_filter):
            return False
        return not text or text.lower() in row.search_text()

    def filtered(self, text: str = "", type_filter: str = "") -> list[EventRow]:
        return [r for r in self.rows if self.matches(r, text, type_filter)]

    def payload(self, index: int) -> Any:
        """The full payload of row `index`, for a JSON viewer."""
        return self.rows[index].payload
