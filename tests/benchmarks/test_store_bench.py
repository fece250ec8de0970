"""Figures for the run store (printed, never asserted): records/s through a StoreSink, as a
spell emitting 100 000 records sees it, and how fast a stored run reads back and exports."""

from __future__ import annotations

import io
import time
from pathlib import Path

from engines.store.export import export_jsonl, export_otlp_json
from engines.store.runs import RunStore, StoreSink
from engines.telemetry import Telemetry

N = 100_000


def _emit_run(store: RunStore, run_id: str, n: int) -> tuple[float, float]:
    """(seconds the spell spent emitting, seconds until everything was committed)."""
    sink = StoreSink(store)
    telemetry = Telemetry(run_id, [sink])
    start = time.perf_counter()
    telemetry.emit("run.start", {"spell": "bench", "engine": "lua", "entry": "main.lua"})
    for i in range(n):
        if i % 4 == 0:
            telemetry.emit("output", {"stream": "stdout", "text": f"line {i}\n"})
        elif i % 4 == 1:
            telemetry.emit("log", {"level": "info", "message": "step", "fields": {"i": i}})
        elif i % 4 == 2:
            telemetry.emit("span.start", {"id": i, "parent": None, "name": "s", "attributes": {}})
        else:
            telemetry.emit(
                "span.end",
                {"id": i - 1, "parent": None, "name": "s", "duration": 0.0, "status": "ok"},
            )
    telemetry.emit("run.end", {"status": "ok", "exit_code": 0, "duration": 1.0})
    emitted = time.perf_counter() - start
    sink.close()
    return emitted, time.perf_counter() - start


def test_store_sink_throughput(tmp_path: Path):
    """100 000 mixed records through a StoreSink into a WAL SQLite file (target ≥ 20 000/s)."""
    with RunStore(tmp_path / "runs.sqlite3") as store:
        _emit_run(store, "warmup", 5_000)
        emitted, total = _emit_run(store, "bench", N)
        size = sum(p.stat().st_size for p in tmp_path.iterdir()) / 1e6
        print(
            f"\nstore: {N} records committed in {total:.2f} s = {N / total:,.0f} records/s "
            f"(emit side {N / emitted:,.0f}/s), {size:.1f} MB on disk"
        )

        start = time.perf_counter()
        count = sum(1 for _ in store.records("bench"))
        read = time.perf_counter() - start
        start = time.perf_counter()
        export_jsonl(store, "bench", io.StringIO())
        jsonl = time.perf_counter() - start
        start = time.perf_counter()
        spans = export_otlp_json(store, "bench", io.StringIO())
        otlp = time.perf_counter() - start
        print(
            f"store: read back {count} records in {read:.2f} s ({count / read:,.0f}/s); "
            f"jsonl export {jsonl:.2f} s; otlp-json export of {spans} spans {otlp:.2f} s"
        )
        assert count == N + 2


def test_add_records_batch_cost(tmp_path: Path):
    """The cost of one add_records transaction by batch size (what a 50 ms flush pays)."""
    from engines.telemetry import Record

    with RunStore(tmp_path / "runs.sqlite3") as store:
        seq = 0
        for size in (1, 10, 100, 1000):
            batches = max(20, 2000 // size)
            start = time.perf_counter()
            for _ in range(batches):
                batch = []
                for _ in range(size):
                    seq += 1
                    batch.append(Record("log", "b", seq, 1.0, {"level": "info", "message": "m"}))
                store.add_records(batch)
            per = (time.perf_counter() - start) / batches
            print(f"\nstore: batch of {size:>4}: {per * 1e3:.3f} ms ({size / per:,.0f} records/s)")
        assert store.count_records("b") == seq
