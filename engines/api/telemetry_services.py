"""The `trace` and `metrics` services: spans with nesting and attributes; counters, gauges and
histograms. Both only emit records; readers (CLI, run store, IDE) build views from them.

Open spans live in lanes: the run's main lane, plus one per parallel workflow branch that runs
at once with others (`enter_lane`), so that a span started in a branch nests under that
branch's step, whichever thread starts it. The lane is found through a context variable, which
threads and engine callbacks made for a branch carry along (see engines/api/workflow_branches).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from engines.api.context import RunContext
from engines.errors import ApiError


@dataclass
class _Span:
    id: int
    name: str
    parent: int | None
    start: float
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Lane:
    """The open spans of one line of work, innermost last; `parent` is the span it forked from."""

    service: TraceService
    parent: int | None = None
    open: list[_Span] = field(default_factory=list)


# The lane of the current thread or callback (None: the run's main lane).
_LANE: ContextVar[_Lane | None] = ContextVar("llmspell_trace_lane", default=None)


class TraceService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._main = _Lane(self)
        self._ids = iter(range(1, 1 << 62))

    @property
    def _open(self) -> list[_Span]:
        lane = _LANE.get()
        return lane.open if lane is not None and lane.service is self else self._main.open

    def enter_lane(self) -> None:
        """From now on, in this context, spans nest under the span open where it was copied
        from (a parallel branch's thread or callbacks), in a lane of their own."""
        _LANE.set(_Lane(self, self.current()))

    def current(self) -> int | None:
        lane = _LANE.get()
        if lane is None or lane.service is not self:
            lane = self._main
        return lane.open[-1].id if lane.open else lane.parent

    def start_span(self, name: str, attributes: dict[str, Any] | None = None) -> int:
        if not name:
            raise ApiError("span name must not be empty")
        # next() on an iterator is atomic under the GIL: ids stay unique across threads.
        span = _Span(
            next(self._ids), name, self.current(), time.monotonic(), dict(attributes or {})
        )
        self._open.append(span)
        self._ctx.emit(
            "span.start",
            # A copy: set_attribute and end_span add to the span's attributes later.
            {
                "id": span.id,
                "parent": span.parent,
                "name": name,
                "attributes": dict(span.attributes),
            },
        )
        return span.id

    def end_span(self, id: int, attributes: dict[str, Any] | None = None) -> None:
        self._end(id, attributes, "ok", None)

    def _end(
        self, id: int, attributes: dict[str, Any] | None, status: str, error: str | None
    ) -> None:
        opened = self._open
        index = next((i for i, s in enumerate(opened) if s.id == id), None)
        if index is None:
            raise ApiError(f"span {id} is not open")
        # Children left open end with their parent: a span never outlives its parent.
        while len(opened) > index + 1:
            self._finish(opened, opened[-1], {}, "unfinished", None)
        self._finish(opened, opened[index], dict(attributes or {}), status, error)

    def _finish(
        self,
        opened: list[_Span],
        span: _Span,
        attributes: dict[str, Any],
        status: str,
        error: str | None,
    ) -> None:
        opened.remove(span)
        span.attributes.update(attributes)
        data: dict[str, Any] = {
            "id": span.id,
            "parent": span.parent,
            "name": span.name,
            "duration": time.monotonic() - span.start,
            "status": status,
            "attributes": span.attributes,
        }
        if error is not None:
            data["error"] = error
        self._ctx.emit("span.end", data)

    def set_attribute(self, key: str, value: Any) -> None:
        opened = self._open
        if not opened:
            raise ApiError("no span is open")
        opened[-1].attributes[key] = value

    def with_span(self, name: str, attributes: dict[str, Any] | None, fn: Callable[[], Any]) -> Any:
        with self.span(name, attributes):
            return fn()

    @contextmanager
    def span(self, name: str, attributes: dict[str, Any] | None = None) -> Iterator[int]:
        span_id = self.start_span(name, attributes)
        try:
            yield span_id
        except BaseException as exc:
            if self._is_open(span_id):
                self._end(span_id, None, "error", str(exc) or type(exc).__name__)
            raise
        if self._is_open(span_id):
            self.end_span(span_id)

    def _is_open(self, span_id: int) -> bool:
        return any(s.id == span_id for s in self._open)


def _series_key(
    name: str, labels: dict[str, Any] | None
) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted((str(k), str(v)) for k, v in (labels or {}).items()))


class MetricsService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._kinds: dict[str, str] = {}
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}

    def _claim(self, name: str, kind: str, value: float) -> None:
        """Check the call, then tie `name` to `kind` (a rejected call claims nothing)."""
        if not name:
            raise ApiError("metric name must not be empty")
        known = self._kinds.get(name, kind)
        if known != kind:
            raise ApiError(f"metric {name!r} is a {known}, not a {kind}")
        if not math.isfinite(value):
            raise ApiError(f"metric {name!r}: {value} is not a finite number")
        if kind == "counter" and value < 0:
            raise ApiError("a counter only goes up; use a gauge")
        self._kinds[name] = kind

    def _emit(self, name: str, kind: str, labels: dict[str, Any] | None, **data: Any) -> None:
        labels = dict(labels) if labels else {}
        self._ctx.emit("metric", {"name": name, "type": kind, "labels": labels, **data})

    def counter(
        self, name: str, value: float | None = None, labels: dict[str, Any] | None = None
    ) -> float:
        delta = 1 if value is None else value
        self._claim(name, "counter", delta)
        key = _series_key(name, labels)
        total = self._values.get(key, 0) + delta
        self._values[key] = total
        self._emit(name, "counter", labels, value=total, delta=delta)
        return total

    def gauge(self, name: str, value: float, labels: dict[str, Any] | None = None) -> None:
        self._claim(name, "gauge", value)
        self._values[_series_key(name, labels)] = value
        self._emit(name, "gauge", labels, value=value)

    def histogram(self, name: str, value: float, labels: dict[str, Any] | None = None) -> None:
        self._claim(name, "histogram", value)
        key = _series_key(name, labels)
        summary = self._values.get(key) or {"count": 0, "sum": 0, "min": value, "max": value}
        summary = {
            "count": summary["count"] + 1,
            "sum": summary["sum"] + value,
            "min": min(summary["min"], value),
            "max": max(summary["max"], value),
        }
        self._values[key] = summary
        self._emit(name, "histogram", labels, value=value)

    def get(self, name: str, labels: dict[str, Any] | None = None) -> Any:
        value = self._values.get(_series_key(name, labels))
        return dict(value) if isinstance(value, dict) else value
