"""The store across processes: a writer killed with SIGKILL mid-run, a reader while one writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engines.store.runs import RunStore

REPO = Path(__file__).resolve().parents[3]

# Emits output records in a loop through a StoreSink. Every 500 records it waits for them to
# be committed and prints the last committed seq, so the test knows what must survive.
WRITER = """
import sys, time
from engines.store.runs import RunStore, StoreSink
from engines.telemetry import Telemetry

path, run_id, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = RunStore(path)
sink = StoreSink(store)
telemetry = Telemetry(run_id, [sink])
telemetry.emit("run.start", {"spell": "loop", "engine": "lua", "entry": "main.lua", "params": {}})
i = 0
while limit == 0 or i < limit:
    i += 1
    record = telemetry.emit("output", {"stream": "stdout", "text": f"line {i}\\n"})
    if i % 500 == 0:
        sink.flush()
        print(record.seq, flush=True)
        time.sleep(0.002)
telemetry.emit("run.end", {"status": "ok", "exit_code": 0, "duration": 1.0})
sink.close()
store.close()
"""


def _writer(db: Path, run_id: str, limit: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), run_id, str(limit)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_mid_run_keeps_every_committed_batch_and_reports_crashed(tmp_path):
    """kill -9 of the writer: all committed records readable, in order, and the run crashed."""
    db = tmp_path / "runs.sqlite3"
    writer = _writer(db, "killed0001", 0)
    assert writer.stdout is not None
    committed = 0
    try:
        while committed < 5000:
            line = writer.stdout.readline()
            assert line, (
                f"the writer stopped early: {writer.stderr.read() if writer.stderr else ''}"
            )
            committed = int(line)
        os.kill(writer.pid, signal.SIGKILL)
        rest, _ = writer.communicate(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL
    for line in rest.split():
        committed = max(committed, int(line))  # reported before the kill: committed too

    with RunStore(db) as store:
        seqs = [r.seq for r in store.records("killed0001")]
        assert seqs == list(range(1, len(seqs) + 1)), "records are missing or out of order"
        assert len(seqs) >= committed
        texts = [r.data["text"] for r in store.records("killed0001", kinds=["output"])]
        assert texts[:3] == ["line 1\n", "line 2\n", "line 3\n"]
        assert texts[-1] == f"line {len(texts)}\n"
        info = store.get_run("killed")
        assert info.status == "crashed"
        assert info.exit_reason == f"the engine host died (pid {writer.pid})"
        assert info.ended is not None and info.ended >= info.started
    # The verdict is in the file, not only in the answer: a fresh reader sees it as stored.
    with RunStore(db) as again:
        row = again._db.execute("SELECT status FROM runs WHERE id='killed0001'").fetchone()
        assert row == ("crashed",)


def test_a_reader_reads_consistently_while_another_process_writes(tmp_path):
    """While a writer process commits batches, a reader always sees a gap-free prefix."""
    db = tmp_path / "runs.sqlite3"
    total = 30_000
    RunStore(db).close()  # the file exists before the reader opens it
    writer = _writer(db, "busy000001", total)
    reads = 0
    counts: list[int] = []
    try:
        with RunStore(db) as reader:
            while writer.poll() is None:
                seqs = [r.seq for r in reader.records("busy000001")]
                assert seqs == list(range(1, len(seqs) + 1))
                counts.append(len(seqs))
                if seqs:
                    assert reader.get_run("busy").status in ("running", "ok")
                reads += 1
            writer.communicate(timeout=60)
            assert writer.returncode == 0
            final = reader.get_run("busy000001")
            assert final.status == "ok" and final.exit_code == 0
            assert reader.count_records("busy000001") == total + 2
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert counts == sorted(counts), "a reader saw records disappear"
    assert reads >= 2 and any(0 < c < total + 2 for c in counts), "never read mid-run"
