"""The trace and metrics services: spans with nesting and attributes; counters, gauges, histograms."""

from __future__ import annotations

import math

import pytest

from engines.api.services import Services
from engines.api.telemetry_services import MetricsService, TraceService
from engines.errors import ApiError
from engines.telemetry import ListSink


@pytest.fixture
def trace(services: Services) -> TraceService:
    return services.trace


@pytest.fixture
def metrics(services: Services) -> MetricsService:
    return services.metrics


def test_spans_nest_under_the_current_span(trace: TraceService, sink: ListSink) -> None:
    """A span started while another is open gets it as parent; closed spans stop being current."""
    a = trace.start_span("a", {"k": 1})
    b = trace.start_span("b")
    trace.end_span(b)
    c = trace.start_span("c")
    trace.end_span(c)
    trace.end_span(a)
    starts = {r.data["name"]: r.data for r in sink.of_kind("span.start")}
    assert starts["a"]["parent"] is None
    assert starts["a"]["attributes"] == {"k": 1}
    assert starts["b"]["parent"] == a
    assert starts["c"]["parent"] == a
    ends = [r.data for r in sink.of_kind("span.end")]
    assert [e["id"] for e in ends] == [b, c, a]
    assert all(e["status"] == "ok" and e["duration"] >= 0 for e in ends)
    assert trace.current() is None


def test_end_span_closes_open_children(trace: TraceService, sink: ListSink) -> None:
    """Ending a parent ends its open children first, with status unfinished."""
    a = trace.start_span("a")
    b = trace.start_span("b")
    c = trace.start_span("c")
    trace.end_span(a, {"done": True})
    ends = [(r.data["id"], r.data["status"]) for r in sink.of_kind("span.end")]
    assert ends == [(c, "unfinished"), (b, "unfinished"), (a, "ok")]
    assert sink.of_kind("span.end")[-1].data["attributes"] == {"done": True}
    with pytest.raises(ApiError, match="not open"):
        trace.end_span(b)


def test_end_unknown_span_rejected(trace: TraceService) -> None:
    """Ending a span that was never opened is an error."""
    with pytest.raises(ApiError, match="span 99 is not open"):
        trace.end_span(99)


def test_empty_span_name_rejected(trace: TraceService) -> None:
    """A span needs a name."""
    with pytest.raises(ApiError):
        trace.start_span("")


def test_set_attribute_applies_to_current_span(trace: TraceService, sink: ListSink) -> None:
    """set_attribute sets on the innermost open span; the start record keeps its attributes."""
    outer = trace.start_span("outer", {"a": 1})
    inner = trace.start_span("inner")
    trace.set_attribute("gen_ai.request.model", "m")
    trace.end_span(inner)
    trace.set_attribute("b", 2)
    trace.end_span(outer, {"c": 3})
    ends = {r.data["id"]: r.data for r in sink.of_kind("span.end")}
    assert ends[inner]["attributes"] == {"gen_ai.request.model": "m"}
    assert ends[outer]["attributes"] == {"a": 1, "b": 2, "c": 3}
    assert sink.of_kind("span.start")[0].data["attributes"] == {"a": 1}


def test_set_attribute_without_span_rejected(trace: TraceService) -> None:
    """There is no current span to set an attribute on."""
    with pytest.raises(ApiError, match="no span"):
        trace.set_attribute("k", "v")


def test_with_span_returns_the_function_value(trace: TraceService, sink: ListSink) -> None:
    """with_span runs fn inside a span (as current) and returns what fn returns."""
    inside: list[int | None] = []

    def fn() -> str:
        inside.append(trace.current())
        return "result"

    assert trace.with_span("work", {"x": 1}, fn) == "result"
    start = sink.of_kind("span.start")[-1].data
    end = sink.of_kind("span.end")[-1].data
    assert inside == [start["id"]]
    assert end["status"] == "ok"
    assert end["attributes"] == {"x": 1}
    assert trace.current() is None


def test_with_span_records_error_and_reraises(trace: TraceService, sink: ListSink) -> None:
    """An error in fn ends the span with status error and reaches the caller unchanged."""
    outer = trace.start_span("outer")

    def fn() -> None:
        trace.start_span("left open")
        raise KeyError("missing")

    with pytest.raises(KeyError):
        trace.with_span("work", {}, fn)
    ends = [r.data for r in sink.of_kind("span.end")]
    assert [e["status"] for e in ends] == ["unfinished", "error"]
    assert "missing" in ends[-1]["error"]
    assert trace.current() == outer


def test_with_span_when_fn_ends_its_own_span(trace: TraceService, sink: ListSink) -> None:
    """If fn ends the span itself, with_span does not end it twice."""
    trace.with_span("s", {}, lambda: trace.end_span(trace.current() or 0))
    assert len(sink.of_kind("span.end")) == 1


def test_counter_totals_per_label_set(metrics: MetricsService, sink: ListSink) -> None:
    """Counters add up per label set; label order does not matter; default increment is 1."""
    assert metrics.counter("calls") == 1
    assert metrics.counter("calls", 2.5) == 3.5
    assert metrics.counter("calls", 1, {"model": "a", "ok": "yes"}) == 1
    assert metrics.counter("calls", 4, {"ok": "yes", "model": "a"}) == 5
    assert metrics.counter("calls", 1, {"model": "b"}) == 1
    assert metrics.get("calls") == 3.5
    assert metrics.get("calls", {"model": "a", "ok": "yes"}) == 5
    assert metrics.get("calls", {"model": "zzz"}) is None
    rec = sink.of_kind("metric")[-1].data
    assert rec == {
        "name": "calls",
        "type": "counter",
        "labels": {"model": "b"},
        "value": 1,
        "delta": 1,
    }


def test_metric_record_labels_are_copied(metrics: MetricsService, sink: ListSink) -> None:
    """Changing the labels table after the call does not change the record."""
    labels = {"model": "a"}
    metrics.gauge("g", 1, labels)
    labels["model"] = "b"
    assert sink.of_kind("metric")[-1].data["labels"] == {"model": "a"}
    assert metrics.get("g", {"model": "a"}) == 1


def test_counter_rejects_negative_and_non_finite(metrics: MetricsService) -> None:
    """A counter only goes up, by a finite amount."""
    metrics.counter("c", 1)
    for bad in (-1, math.nan, math.inf):
        with pytest.raises(ApiError):
            metrics.counter("c", bad)
    assert metrics.get("c") == 1


def test_gauge_keeps_last_value(metrics: MetricsService, sink: ListSink) -> None:
    """A gauge holds the last value set, per label set."""
    assert metrics.gauge("temp", 10) is None
    metrics.gauge("temp", -3.5)
    metrics.gauge("temp", 7, {"room": "a"})
    assert metrics.get("temp") == -3.5
    assert metrics.get("temp", {"room": "a"}) == 7
    assert sink.of_kind("metric")[-1].data["type"] == "gauge"


def test_histogram_summary(metrics: MetricsService, sink: ListSink) -> None:
    """A histogram's value is {count, sum, min, max} of its observations."""
    for v in (3, 1, 4, 1.5):
        metrics.histogram("latency", v)
    assert metrics.get("latency") == {"count": 4, "sum": 9.5, "min": 1, "max": 4}
    summary = metrics.get("latency")
    summary["count"] = 0
    assert metrics.get("latency")["count"] == 4
    rec = sink.of_kind("metric")[-1].data
    assert (rec["type"], rec["value"]) == ("histogram", 1.5)


def test_non_finite_observations_rejected(metrics: MetricsService) -> None:
    """NaN and infinities are not valid gauge or histogram values."""
    with pytest.raises(ApiError):
        metrics.gauge("g", math.nan)
    with pytest.raises(ApiError):
        metrics.histogram("h", math.inf)
    assert metrics.get("g") is None and metrics.get("h") is None


def test_metric_type_conflicts(metrics: MetricsService) -> None:
    """A name keeps the type it was first used with."""
    metrics.counter("x")
    with pytest.raises(ApiError, match="'x' is a counter, not a gauge"):
        metrics.gauge("x", 1)
    with pytest.raises(ApiError, match="not a histogram"):
        metrics.histogram("x", 1)
    assert metrics.get("x") == 1


def test_failed_call_does_not_claim_the_name(metrics: MetricsService) -> None:
    """A rejected first call leaves the name free for another type."""
    with pytest.raises(ApiError):
        metrics.counter("y", -1)
    metrics.gauge("y", 5)
    assert metrics.get("y") == 5


def test_empty_metric_name_rejected(metrics: MetricsService) -> None:
    """A metric needs a name."""
    with pytest.raises(ApiError):
        metrics.counter("")
