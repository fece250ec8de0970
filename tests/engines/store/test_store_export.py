"""Exports of stored runs: JSON lines, OTLP/JSON spans, and live OTLP/HTTP export to a server."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from engines.store.export import (
    SPAN_KIND_CLIENT,
    SPAN_KIND_INTERNAL,
    STATUS_ERROR,
    STATUS_OK,
    STATUS_UNSET,
    export_jsonl,
    export_otlp_json,
    make_live_exporter,
    span_id_for,
    trace_id_for,
)
from engines.telemetry import Record

REPO = Path(__file__).resolve().parents[3]
HEX = set("0123456789abcdef")


def _attrs(key_values: list[dict]) -> dict:
    return {kv["key"]: kv["value"] for kv in key_values}


def _otlp(store, run_id: str) -> dict:
    out = io.StringIO()
    export_otlp_json(store, run_id, out)
    text = out.getvalue()
    assert text.count("\n") == 1  # one request per line, as the file exporter writes
    return json.loads(text)


def test_jsonl_round_trips_through_record_from_dict(store, tmp_path, run_lua, spans_spell):
    """Each JSON line read back with Record.from_dict equals the stored record; to a file too."""
    run_id, emitted = run_lua(store, tmp_path / "spell", spans_spell)
    out = io.StringIO()
    assert export_jsonl(store, run_id[:6], out) == len(emitted)
    back = [Record.from_dict(json.loads(line)) for line in out.getvalue().splitlines()]
    assert back == list(store.records(run_id))
    assert [r.seq for r in back] == [r.seq for r in emitted]
    target = tmp_path / "run.jsonl"
    export_jsonl(store, run_id, target)
    assert target.read_text(encoding="utf-8") == out.getvalue()


def test_otlp_json_structure_ids_parents_times_and_attributes(
    store, tmp_path, run_lua, spans_spell
):
    """The OTLP/JSON document has the resource, hex ids, parent links, string times, KeyValues."""
    run_id, emitted = run_lua(store, tmp_path / "spell", spans_spell)
    doc = _otlp(store, run_id)
    (resource_spans,) = doc["resourceSpans"]
    resource = _attrs(resource_spans["resource"]["attributes"])
    assert resource["service.name"] == {"stringValue": "llmspell"}
    assert resource["llmspell.spell"] == {"stringValue": "main"}
    assert resource["llmspell.run_id"] == {"stringValue": run_id}
    (scope,) = resource_spans["scopeSpans"]
    assert scope["scope"]["name"] == "llmspell"
    spans = {s["name"]: s for s in scope["spans"]}
    assert set(spans) == {"plan", "inner", "left-open"}

    for span in spans.values():
        assert len(span["traceId"]) == 32 and set(span["traceId"]) <= HEX
        assert len(span["spanId"]) == 16 and set(span["spanId"]) <= HEX
        assert span["traceId"] == trace_id_for(run_id)
        assert isinstance(span["startTimeUnixNano"], str) and span["startTimeUnixNano"].isdigit()
        assert isinstance(span["endTimeUnixNano"], str) and span["endTimeUnixNano"].isdigit()
        assert int(span["startTimeUnixNano"]) <= int(span["endTimeUnixNano"])
    assert len({s["spanId"] for s in spans.values()}) == 3
    assert "parentSpanId" not in spans["plan"]
    assert spans["inner"]["parentSpanId"] == spans["plan"]["spanId"]

    starts = {r.data["name"]: r.ts for r in emitted if r.kind == "span.start"}
    assert int(spans["plan"]["startTimeUnixNano"]) == round(starts["plan"] * 1e9)

    plan = _attrs(spans["plan"]["attributes"])
    assert plan["gen_ai.operation.name"] == {"stringValue": "chat"}
    assert plan["usage.input_tokens"] == {"intValue": "3"}  # nested maps become dotted keys
    assert plan["step"] == {"intValue": "1"}
    assert spans["plan"]["kind"] == SPAN_KIND_CLIENT  # a GenAI operation is a client span
    assert spans["plan"]["status"] == {"code": STATUS_OK}
    inner = _attrs(spans["inner"]["attributes"])
    assert inner["tags"] == {"arrayValue": {"values": [{"stringValue": "a"}, {"stringValue": "b"}]}}
    assert spans["inner"]["kind"] == SPAN_KIND_INTERNAL

    # Never ended: it ends with the run, status unset because the run itself was ok.
    run_end = next(r for r in emitted if r.kind == "run.end")
    left = spans["left-open"]
    assert int(left["endTimeUnixNano"]) == round(run_end.ts * 1e9)
    assert left["status"] == {"code": STATUS_UNSET}
    assert _attrs(left["attributes"])["llmspell.span.unfinished"] == {"boolValue": True}


def test_otlp_json_parses_as_an_export_trace_service_request(store, tmp_path, run_lua, spans_spell):
    """The document's field names and value types are those of the OTLP protobuf schema."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    run_id, _ = run_lua(store, tmp_path / "spell", spans_spell)
    request = json_format.Parse(json.dumps(_otlp(store, run_id)), ExportTraceServiceRequest())
    spans = request.resource_spans[0].scope_spans[0].spans
    assert sorted(s.name for s in spans) == ["inner", "left-open", "plan"]
    assert all(s.start_time_unix_nano > 1_000_000_000 * 10**9 for s in spans)


def test_open_span_of_a_failed_run_ends_with_error(store):
    """A span still open when a run crashed ends at its last record with status ERROR."""
    store.start_run("crashrun", "s", None, "lua", {}, "cli", None, started=100.0)
    store.add_records(
        [
            Record("span.start", "crashrun", 1, 100.5, {"id": 1, "parent": None, "name": "a"}),
            Record("span.start", "crashrun", 2, 100.6, {"id": 2, "parent": 1, "name": "b"}),
            Record(
                "span.end",
                "crashrun",
                3,
                100.7,
                {"id": 2, "parent": 1, "name": "b", "status": "error", "error": "bad tool"},
            ),
            Record("log", "crashrun", 4, 101.0, {"level": "info", "message": "x", "fields": {}}),
        ]
    )
    store.finish_run("crashrun", "crashed", None, "the engine host died (pid 1)", ended=101.0)
    spans = {
        s["name"]: s for s in _otlp(store, "crashrun")["resourceSpans"][0]["scopeSpans"][0]["spans"]
    }
    assert spans["b"]["status"] == {"code": STATUS_ERROR, "message": "bad tool"}
    assert spans["a"]["status"]["code"] == STATUS_ERROR
    assert "crashed" in spans["a"]["status"]["message"]
    assert spans["a"]["endTimeUnixNano"] == str(101 * 10**9)
    assert spans["b"]["parentSpanId"] == span_id_for("crashrun", 1)


def test_export_names_an_unknown_run(store):
    """Exporting a run that does not exist raises the store's lookup error."""
    from engines.store.runs import RunNotFoundError

    with pytest.raises(RunNotFoundError):
        export_otlp_json(store, "missing", io.StringIO())


def test_no_endpoint_means_no_live_exporter_and_no_opentelemetry_import():
    """Without OTEL_EXPORTER_OTLP_*ENDPOINT, make_live_exporter is None and imports nothing heavy."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    }
    env["PYTHONPATH"] = str(REPO)
    code = (
        "import sys, engines.store, engines.store.export, engines.cli.runs\n"
        "from engines.store.export import make_live_exporter\n"
        "assert make_live_exporter() is None\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class _Collector(BaseHTTPRequestHandler):
    """A minimal OTLP/HTTP trace receiver: keeps each decoded ExportTraceServiceRequest."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.received.append((self.path, self.headers.get("Content-Type"), request))  # type: ignore[attr-defined]
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    yield server
    server.shutdown()
    server.server_close()


def test_live_exporter_sends_spans_to_an_otlp_http_server(
    collector, store, tmp_path, run_lua, spans_spell
):
    """Spans of a real run reach a local OTLP/HTTP server: names, parents, times, attributes."""
    sink = make_live_exporter()
    assert sink is not None
    run_id, emitted = run_lua(store, tmp_path / "spell", spans_spell, extra_sinks=[sink])
    sink.close()

    assert collector.received, "no export request arrived"
    assert {path for path, _, _ in collector.received} == {"/v1/traces"}
    assert {ctype for _, ctype, _ in collector.received} == {"application/x-protobuf"}
    spans = {}
    for _, _, request in collector.received:
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value for a in resource_spans.resource.attributes}
            assert resource["service.name"].string_value == "llmspell"
            assert resource["llmspell.spell"].string_value == "main"
            assert resource["llmspell.run_id"].string_value == run_id
            for scope_spans in resource_spans.scope_spans:
                assert scope_spans.scope.name == "llmspell"
                spans.update({s.name: s for s in scope_spans.spans})
    assert set(spans) == {"plan", "inner", "left-open"}

    plan, inner, left = spans["plan"], spans["inner"], spans["left-open"]
    assert plan.trace_id.hex() == trace_id_for(run_id) == inner.trace_id.hex()
    assert plan.span_id.hex() == span_id_for(run_id, 1)  # the same ids as the file export
    assert plan.parent_span_id == b""
    assert inner.parent_span_id == plan.span_id
    assert left.parent_span_id == b""

    attributes = {a.key: a.value for a in plan.attributes}
    assert attributes["gen_ai.operation.name"].string_value == "chat"
    assert attributes["usage.input_tokens"].int_value == 3
    assert attributes["usage.output_tokens"].int_value == 5
    tags = {a.key: a.value for a in inner.attributes}["tags"]
    assert [v.string_value for v in tags.array_value.values] == ["a", "b"]
    assert plan.kind == SPAN_KIND_CLIENT and inner.kind == SPAN_KIND_INTERNAL
    assert plan.status.code == STATUS_OK
    assert left.status.code == STATUS_UNSET
    assert {a.key: a.value for a in left.attributes}["llmspell.span.unfinished"].bool_value

    by_name = {r.data["name"]: r for r in emitted if r.kind == "span.start"}
    ends = {r.data["name"]: r for r in emitted if r.kind == "span.end"}
    assert plan.start_time_unix_nano == round(by_name["plan"].ts * 1e9)
    assert plan.end_time_unix_nano == round(ends["plan"].ts * 1e9)
    run_end = next(r for r in emitted if r.kind == "run.end")
    assert left.end_time_unix_nano == round(run_end.ts * 1e9)


def test_live_exporter_honours_the_traces_endpoint_variable(collector, monkeypatch):
    """OTEL_EXPORTER_OTLP_TRACES_ENDPOINT alone enables export, to exactly that URL."""
    url = os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] + "/custom/traces"
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)
    sink = make_live_exporter()
    assert sink is not None
    sink.emit(Record("run.start", "r1", 1, 10.0, {"spell": "s", "engine": "lua"}))
    sink.emit(Record("span.start", "r1", 2, 10.1, {"id": 1, "parent": None, "name": "only"}))
    sink.emit(
        Record(
            "span.end",
            "r1",
            3,
            10.2,
            {"id": 1, "parent": None, "name": "only", "status": "error", "error": "no"},
        )
    )
    sink.close()
    ((path, _, request),) = collector.received
    assert path == "/custom/traces"
    (span,) = request.resource_spans[0].scope_spans[0].spans
    assert (span.name, span.status.code, span.status.message) == ("only", STATUS_ERROR, "no")
    assert span.start_time_unix_nano == 10_100_000_000
