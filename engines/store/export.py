"""Exports of a stored run: JSON lines, the OTLP/JSON encoding of its spans, and live spans.

A run's spans are the `span.start`/`span.end` records of the trace service. They become
OpenTelemetry spans with ids derived from the run id (the trace) and the run's span ids, so
the same run exported twice, or exported live and then from the store, has the same ids and
a backend sees one trace, not two.

Status: a span ended `ok` is OK, `error` is ERROR with its message. A span that never ended
(still open when the run ended, or closed by the runtime as `unfinished`) ends at the run's
end: UNSET with `llmspell.span.unfinished=true` if the run itself was ok, ERROR otherwise.

OpenTelemetry is imported only by `OtlpSpanSink`, i.e. only when live export is configured.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from engines.store.runs import RunInfo, RunStore, _dumps
from engines.telemetry import Record

SERVICE_NAME = "llmspell"
SCOPE_NAME = "llmspell"

# OTLP enums (opentelemetry/proto/trace/v1/trace.proto); OTLP/JSON writes enums as integers.
SPAN_KIND_INTERNAL = 1
SPAN_KIND_CLIENT = 3
STATUS_UNSET = 0
STATUS_OK = 1
STATUS_ERROR = 2

_INT64 = (-(2**63), 2**63 - 1)

# Spans carrying these GenAI attributes are calls to a model or tool service: CLIENT spans,
# as the OpenTelemetry GenAI semantic conventions ask. Everything else is INTERNAL.
_CLIENT_MARKERS = ("gen_ai.operation.name", "gen_ai.system", "gen_ai.provider.name")


# ----------------------------------------------------------------------------- ids


def trace_id_for(run_id: str) -> str:
    """The 32-hex-digit trace id of a run (stable: the same run always has the same trace)."""
    digest = hashlib.sha256(f"llmspell-trace/{run_id}".encode()).hexdigest()[:32]
    return digest if int(digest, 16) else "1".rjust(32, "0")  # all-zero is invalid in OTLP


def span_id_for(run_id: str, span_id: int) -> str:
    """The 16-hex-digit span id of the run's span number `span_id`."""
    digest = hashlib.sha256(f"llmspell-span/{run_id}/{span_id}".encode()).hexdigest()[:16]
    return digest if int(digest, 16) else "1".rjust(16, "0")


# ----------------------------------------------------------------------------- JSON lines


def _open_out(out: IO[str] | str | os.PathLike[str], stack: ExitStack) -> IO[str]:
    if isinstance(out, str | os.PathLike):
        return stack.enter_context(Path(out).open("w", encoding="utf-8"))
    return out


def export_jsonl(store: RunStore, run_id: str, out: IO[str] | str | os.PathLike[str]) -> int:
    """Write every record of the run as one JSON object per line; returns how many."""
    info = store.get_run(run_id)
    count = 0
    with ExitStack() as stack:
        stream = _open_out(out, stack)
        for record in store.records(info.id):
            stream.write(_dumps(record.to_dict()) + "\n")
            count += 1
    return count


# ----------------------------------------------------------------------------- attributes


def flatten_attributes(attributes: dict[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    """Nested maps become dotted keys (`gen_ai.usage.input_tokens`), as OpenTelemetry names
    attributes; null values are left out, since OpenTelemetry attributes cannot be null."""
    flat: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_attributes(value, name + "."))
        elif value is not None:
            flat[name] = value
    return flat


def any_value(value: Any) -> dict[str, Any]:
    """A value as an OTLP/JSON AnyValue (int64 as a decimal string, as protobuf JSON says)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        if _INT64[0] <= value <= _INT64[1]:
            return {"intValue": str(value)}
        return {"stringValue": str(value)}
    if isinstance(value, float):
        if math.isnan(value):
            return {"doubleValue": "NaN"}
        if math.isinf(value):
            return {"doubleValue": "Infinity" if value > 0 else "-Infinity"}
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": key_values(value)}}
    if value is None:
        return {}
    return {"stringValue": repr(value)}


def key_values(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": str(k), "value": any_value(v)} for k, v in attributes.items()]


def sdk_attribute(value: Any) -> Any:
    """A value the OpenTelemetry SDK accepts: a primitive or a homogeneous list of them.
    Anything else (mixed lists, lists of maps) is kept as its JSON text rather than dropped."""
    if isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return value if _INT64[0] <= value <= _INT64[1] else str(value)
    if isinstance(value, list | tuple):
        kinds = {type(v) for v in value}
        if len(kinds) <= 1 and kinds <= {bool, str, float, int}:
            return tuple(value)
    return _dumps(value)


def _span_kind(attributes: dict[str, Any]) -> int:
    return SPAN_KIND_CLIENT if any(k in attributes for k in _CLIENT_MARKERS) else SPAN_KIND_INTERNAL


# ----------------------------------------------------------------------------- OTLP/JSON


@dataclass
class _Span:
    id: int
    parent: int | None
    name: str
    start: float
    end: float | None = None
    status: str | None = None  # ok | error | unfinished; None while open
    error: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def _status(span_status: str | None, error: str | None, run_status: str) -> tuple[int, str, bool]:
    """(OTLP status code, message, unfinished?) for a span's recorded status."""
    if span_status == "ok":
        return STATUS_OK, "", False
    if span_status == "error":
        return STATUS_ERROR, error or "", False
    if run_status == "ok":
        return STATUS_UNSET, "", True
    return STATUS_ERROR, f"the run ended ({run_status}) before the span did", True


def _ns(ts: float) -> int:
    return int(round(ts * 1e9))


def otlp_json_document(info: RunInfo, records: Iterable[Record]) -> dict[str, Any]:
    """The OTLP/JSON ExportTraceServiceRequest for the run's spans, as a dict."""
    spans: dict[int, _Span] = {}
    run_end: float | None = None
    run_status = info.status
    last_ts = info.started
    for record in records:
        last_ts = max(last_ts, record.ts)
        data = record.data
        if record.kind == "span.start":
            spans[data["id"]] = _Span(
                data["id"],
                data.get("parent"),
                str(data.get("name", "")),
                record.ts,
                attributes=dict(data.get("attributes") or {}),
            )
        elif record.kind == "span.end":
            span = spans.get(data["id"])
            if span is None:  # its start was not recorded: place it by its duration
                start = record.ts - float(data.get("duration") or 0.0)
                span = spans[data["id"]] = _Span(
                    data["id"], data.get("parent"), str(data.get("name", "")), start
                )
            span.end = record.ts
            span.status = data.get("status")
            span.error = _error_text(data.get("error"))
            span.attributes.update(data.get("attributes") or {})
        elif record.kind == "run.end":
            run_end = record.ts
            run_status = str(data.get("status") or run_status)
    ended = run_end if run_end is not None else (info.ended or last_ts)

    out_spans = []
    for span in sorted(spans.values(), key=lambda s: (s.start, s.id)):
        finished = span.end is not None and span.status != "unfinished"
        end = span.end if span.end is not None else max(ended, span.start)
        code, message, unfinished = _status(
            span.status if finished else None, span.error, run_status
        )
        attributes = flatten_attributes(span.attributes)
        if unfinished:
            attributes["llmspell.span.unfinished"] = True
        entry: dict[str, Any] = {
            "traceId": trace_id_for(info.id),
            "spanId": span_id_for(info.id, span.id),
            "name": span.name,
            "kind": _span_kind(attributes),
            "startTimeUnixNano": str(_ns(span.start)),
            "endTimeUnixNano": str(_ns(end)),
            "attributes": key_values(attributes),
            "status": {"code": code, **({"message": message} if message else {})},
        }
        if span.parent is not None:
            entry["parentSpanId"] = span_id_for(info.id, span.parent)
        out_spans.append(entry)

    return {
        "resourceSpans": [
            {
                "resource": {"attributes": key_values(_resource_attributes(info))},
                "scopeSpans": [
                    {"scope": {"name": SCOPE_NAME, "version": _version()}, "spans": out_spans}
                ],
            }
        ]
    }


def export_otlp_json(store: RunStore, run_id: str, out: IO[str] | str | os.PathLike[str]) -> int:
    """Write the run's spans as an OTLP/JSON document; returns how many spans."""
    info = store.get_run(run_id)
    document = otlp_json_document(
        info, store.records(info.id, kinds=("span.start", "span.end", "run.end"))
    )
    with ExitStack() as stack:
        stream = _open_out(out, stack)
        # One request per line, as the OpenTelemetry file exporter writes (and the
        # collector's otlpjsonfile receiver reads).
        json.dump(document, stream, ensure_ascii=False, separators=(",", ":"))
        stream.write("\n")
    return len(document["resourceSpans"][0]["scopeSpans"][0]["spans"])


def _resource_attributes(info: RunInfo) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "service.name": SERVICE_NAME,
        "llmspell.spell": info.spell,
        "llmspell.run_id": info.id,
    }
    if info.engine:
        attributes["llmspell.engine"] = info.engine
    return attributes


def _error_text(error: Any) -> str | None:
    if error is None:
        return None
    if isinstance(error, dict):
        return str(error.get("message") or _dumps(error))
    return str(error)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("llmspell-studio")
    except Exception:
        return "0"


# ----------------------------------------------------------------------------- live export

_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def live_export_configured() -> bool:
    """True when the environment names an OTLP endpoint (and the SDK is not disabled)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name, "").strip() for name in _ENDPOINT_VARS)


def make_live_exporter() -> OtlpSpanSink | None:
    """An `OtlpSpanSink` when an OTLP endpoint is configured; None (importing nothing) if not."""
    return OtlpSpanSink() if live_export_configured() else None


class _RunTrace:
    """One run's tracer and its open spans."""

    def __init__(self, provider: Any, tracer: Any, ids: Any) -> None:
        self.provider = provider
        self.tracer = tracer
        self.ids = ids
        self.open: dict[int, tuple[Any, dict[str, Any]]] = {}
        self.status = "ok"
        self.last_ts = 0.0


class OtlpSpanSink:
    """A telemetry sink that turns span records into OpenTelemetry SDK spans, exported with
    the SDK's OTLP/HTTP exporter (endpoint, headers, timeout from the usual OTEL_* variables).

    Each run gets its own tracer provider, because the resource (spell, run id) is per run.
    Spans keep the records' times and the ids `otlp_json_document` gives them.
    """

    def __init__(self, exporter_factory: Any = None) -> None:
        # Heavy: imported only here, when live export is actually used.
        from opentelemetry.sdk.trace import TracerProvider  # noqa: F401 - fail early if absent

        self._exporter_factory = exporter_factory
        self._runs: dict[str, _RunTrace] = {}
        self._lock = threading.Lock()
        self._closed = False

    def emit(self, record: Record) -> None:
        if record.kind not in ("run.start", "span.start", "span.end", "run.end"):
            return
        with self._lock:
            if self._closed:
                return
            run = self._runs.get(record.run)
            if run is None:
                run = self._runs[record.run] = self._new_run(record)
            run.last_ts = max(run.last_ts, record.ts)
            if record.kind == "span.start":
                self._start(record, run)
            elif record.kind == "span.end":
                self._end(record, run)
            elif record.kind == "run.end":
                run.status = str(record.data.get("status") or "error")
                self._end_open(run, record.ts)

    def close(self) -> None:
        """End spans still open, export everything queued, and shut the exporters down."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            runs = list(self._runs.values())
        for run in runs:
            if run.open:
                # No run.end seen: the run did not finish normally.
                if run.status == "ok":
                    run.status = "error"
                self._end_open(run, run.last_ts)
            run.provider.force_flush()
            run.provider.shutdown()

    def force_flush(self) -> None:
        for run in list(self._runs.values()):
            run.provider.force_flush()

    # -- internals

    def _new_run(self, record: Record) -> _RunTrace:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        spell = record.data.get("spell") if record.kind == "run.start" else None
        attributes: dict[str, Any] = {"service.name": SERVICE_NAME, "llmspell.run_id": record.run}
        if spell:
            attributes["llmspell.spell"] = str(spell)
        if record.kind == "run.start" and record.data.get("engine"):
            attributes["llmspell.engine"] = str(record.data["engine"])
        ids = _run_id_generator()(record.run)
        provider = TracerProvider(resource=Resource.create(attributes), id_generator=ids)
        if self._exporter_factory is not None:
            exporter = self._exporter_factory()
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(exporter))
        return _RunTrace(provider, provider.get_tracer(SCOPE_NAME, _version()), ids)

    def _start(self, record: Record, run: _RunTrace) -> None:
        from opentelemetry import trace
        from opentelemetry.context import Context

        data = record.data
        attributes = flatten_attributes(data.get("attributes"))
        parent = data.get("parent")
        context = Context()  # never the ambient context of whatever runs the sink
        if parent is not None:
            # The parent by its derived id: the link holds even if its start was not seen.
            parent_context = trace.SpanContext(
                trace_id=int(trace_id_for(record.run), 16),
                span_id=int(span_id_for(record.run, parent), 16),
                is_remote=False,
                trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
            )
            context = trace.set_span_in_context(trace.NonRecordingSpan(parent_context), context)
        run.ids.next_span_id = int(span_id_for(record.run, data["id"]), 16)
        span = run.tracer.start_span(
            str(data.get("name", "")),
            context=context,
            kind=_sdk_kind(_span_kind(attributes)),
            attributes={k: sdk_attribute(v) for k, v in attributes.items()},
            start_time=_ns(record.ts),
        )
        run.open[data["id"]] = (span, data)

    def _end(self, record: Record, run: _RunTrace) -> None:
        data = record.data
        opened = run.open.pop(data["id"], None)
        if opened is None:  # its start was not seen: start it now, back-dated by its duration
            start = Record(
                "span.start",
                record.run,
                record.seq,
                record.ts - float(data.get("duration") or 0.0),
                {k: data.get(k) for k in ("id", "parent", "name", "attributes")},
            )
            self._start(start, run)
            opened = run.open.pop(data["id"])
        span, _ = opened
        status = data.get("status")
        self._finish(
            span,
            record.ts,
            status if status in ("ok", "error") else None,
            _error_text(data.get("error")),
            run.status,
            data.get("attributes"),
        )

    def _end_open(self, run: _RunTrace, ts: float) -> None:
        for span, _data in list(run.open.values()):
            self._finish(span, ts, None, None, run.status, None)
        run.open.clear()

    def _finish(
        self,
        span: Any,
        ts: float,
        status: str | None,
        error: str | None,
        run_status: str,
        attributes: dict[str, Any] | None,
    ) -> None:
        from opentelemetry.trace import Status, StatusCode

        code, message, unfinished = _status(status, error, run_status)
        flat = flatten_attributes(attributes)
        if unfinished:
            flat["llmspell.span.unfinished"] = True
        if flat:
            span.set_attributes({k: sdk_attribute(v) for k, v in flat.items()})
        if code == STATUS_OK:
            span.set_status(Status(StatusCode.OK))
        elif code == STATUS_ERROR:
            span.set_status(Status(StatusCode.ERROR, message or None))
        span.end(end_time=_ns(ts))


def _sdk_kind(kind: int) -> Any:
    from opentelemetry.trace import SpanKind

    return SpanKind.CLIENT if kind == SPAN_KIND_CLIENT else SpanKind.INTERNAL


def _run_id_generator() -> Any:
    """An IdGenerator class giving the run's derived ids instead of random ones (built lazily:
    its base class lives in the OpenTelemetry SDK)."""
    from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

    class RunIdGenerator(IdGenerator):
        def __init__(self, run_id: str) -> None:
            self.trace_id = int(trace_id_for(run_id), 16)
            # Set just before each start_span; the sink holds its lock across the pair.
            self.next_span_id: int | None = None
            self._random = RandomIdGenerator()

        def generate_trace_id(self) -> int:
            return self.trace_id

        def generate_span_id(self) -> int:
            span_id, self.next_span_id = self.next_span_id, None
            return span_id if span_id is not None else self._random.generate_span_id()

    return RunIdGenerator
