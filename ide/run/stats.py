"""Run figures for the status bar, from telemetry records: tokens, cost, record count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.telemetry import Record


@dataclass
class RunStats:
    records: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    error: dict[str, Any] | None = None
    status: str | None = None
    exit_code: int | None = None

    def feed(self, records: list[Record]) -> None:
        self.records += len(records)
        for record in records:
            if record.kind == "span.end":
                attributes = record.data.get("attributes") or {}
                self.input_tokens += _int(attributes.get("gen_ai.usage.input_tokens"))
                self.output_tokens += _int(attributes.get("gen_ai.usage.output_tokens"))
                try:
                    self.cost += float(attributes.get("gen_ai.usage.cost") or 0.0)
                except (TypeError, ValueError):
                    pass
            elif record.kind == "run.end":
                self.error = record.data.get("error")
                self.status = record.data.get("status")
                self.exit_code = record.data.get("exit_code")

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
