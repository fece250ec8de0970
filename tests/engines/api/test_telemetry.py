"""Telemetry: records, sequence numbers (also under threads), sinks."""

from __future__ import annotations

import threading

from engines.api.services import Services
from engines.telemetry import CallbackSink, ListSink, Record, Telemetry


def test_seq_strictly_increasing_and_stamped() -> None:
    """Records carry the run id, seq 1, 2, 3... and a timestamp, in emit order."""
    sink = ListSink()
    tel = Telemetry("abc", [sink])
    returned = [tel.emit("log", {"i": i}) for i in range(5)]
    assert [r.seq for r in sink.records] == [1, 2, 3, 4, 5]
    assert all(r.run == "abc" and r.ts > 0 for r in sink.records)
    assert returned == sink.records


def test_seq_thread_safe_under_concurrent_emits() -> None:
    """Concurrent emits from many threads get unique seqs, delivered in seq order to every sink."""
    first, second = ListSink(), ListSink()
    tel = Telemetry("t", [first, second])
    threads_n, per_thread = 8, 400
    barrier = threading.Barrier(threads_n)

    def work(n: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            tel.emit("metric", {"thread": n, "i": i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = threads_n * per_thread
    assert [r.seq for r in first.records] == list(range(1, total + 1))
    assert [r.seq for r in second.records] == list(range(1, total + 1))
    for n in range(threads_n):
        mine = [r.data["i"] for r in first.records if r.data["thread"] == n]
        assert mine == list(range(per_thread))


def test_service_calls_from_threads_keep_seq_unique(services: Services, sink: ListSink) -> None:
    """API calls from several threads still produce strictly increasing seqs."""

    def work() -> None:
        for _ in range(200):
            services.log.info("x")
            services.metrics.counter("c")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [r.seq for r in sink.records]
    assert seqs == list(range(1, 1601))


def test_callback_sink_and_add_sink() -> None:
    """CallbackSink forwards records; a sink added later gets only later records."""
    got: list[Record] = []
    tel = Telemetry("r", [CallbackSink(got.append)])
    tel.emit("log", {"a": 1})
    late = ListSink()
    tel.add_sink(late)
    tel.emit("log", {"a": 2})
    assert [r.seq for r in got] == [1, 2]
    assert [r.seq for r in late.records] == [2]


def test_record_dict_round_trip() -> None:
    """to_dict flattens data beside the header; from_dict restores the record."""
    rec = Record("state", "run", 7, 123.5, {"op": "set", "path": "a"})
    flat = rec.to_dict()
    assert flat == {"kind": "state", "run": "run", "seq": 7, "ts": 123.5, "op": "set", "path": "a"}
    assert Record.from_dict(flat) == rec


def test_record_header_wins_over_data_keys() -> None:
    """A data key named like a header field cannot overwrite the header."""
    rec = Record("log", "run", 3, 1.0, {"seq": 99, "message": "m"})
    flat = rec.to_dict()
    assert flat["seq"] == 3
    assert flat["message"] == "m"


def test_list_sink_of_kind() -> None:
    """of_kind filters records by kind, keeping order."""
    sink = ListSink()
    tel = Telemetry("r", [sink])
    tel.emit("log", {})
    tel.emit("state", {})
    tel.emit("log", {})
    assert [r.seq for r in sink.of_kind("log")] == [1, 3]
