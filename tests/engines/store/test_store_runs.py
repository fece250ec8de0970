"""The run store over real SQLite files: runs, records, lookups, crash detection, the sink."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engines.store.runs import (
    AmbiguousRunError,
    RunNotFoundError,
    RunStore,
    StoreSink,
    default_runs_db,
)
from engines.telemetry import Record, Telemetry


def _records(run: str, n: int, start: int = 1, kind: str = "log") -> list[Record]:
    return [
        Record(kind, run, seq, 1000.0 + seq, {"level": "info", "message": f"m{seq}", "fields": {}})
        for seq in range(start, start + n)
    ]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_default_path_is_in_the_data_dir(llmspell_home):
    """Without a path, the store lives in runs.sqlite3 under the LLMSpell data folder."""
    assert default_runs_db() == llmspell_home / "data" / "runs.sqlite3"
    with RunStore() as store:
        assert store.path == default_runs_db()
    assert default_runs_db().exists()


def test_database_is_in_wal_mode(store):
    """The file is in WAL mode, so readers in other processes never block the writer."""
    raw = sqlite3.connect(store.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_run_lifecycle_start_records_finish(store):
    """A run started, fed records and finished reads back with its facts and records in order."""
    store.start_run("r1", "hello", "/spells/hello", "lua", {"name": "Ada"}, "cli", os.getpid())
    store.add_records(_records("r1", 5))
    running = store.get_run("r1")
    assert (running.status, running.ended, running.duration) == ("running", None, None)
    store.finish_run("r1", "error", 1, "boom at line 3")
    info = store.get_run("r1")
    assert (info.spell, info.spell_path, info.engine, info.client) == (
        "hello",
        "/spells/hello",
        "lua",
        "cli",
    )
    assert info.params == {"name": "Ada"}
    assert (info.status, info.exit_code, info.exit_reason) == ("error", 1, "boom at line 3")
    assert info.duration is not None and info.duration >= 0
    assert [r.seq for r in store.records("r1")] == [1, 2, 3, 4, 5]
    assert next(iter(store.records("r1"))).data["message"] == "m1"


def test_resent_batch_is_not_duplicated(store):
    """Sending the same batch twice (a retry) leaves one copy of each record."""
    batch = _records("r1", 10)
    store.add_records(batch)
    store.add_records(batch[5:] + _records("r1", 3, start=11))
    assert [r.seq for r in store.records("r1")] == list(range(1, 14))


def test_records_filter_by_kind_and_page_past_2000(store):
    """records() returns only the asked kinds, in seq order, across several pages."""
    batch = [
        Record("output" if seq % 3 == 0 else "log", "r", seq, float(seq), {"n": seq})
        for seq in range(1, 5001)
    ]
    store.add_records(reversed(batch))  # stored out of order: reading must still sort
    everything = list(store.records("r"))
    assert [r.seq for r in everything] == list(range(1, 5001))
    outputs = list(store.records("r", kinds=["output"]))
    assert [r.seq for r in outputs] == [s for s in range(1, 5001) if s % 3 == 0]
    assert all(r.kind == "output" and r.data == {"n": r.seq} for r in outputs)
    assert list(store.records("r", kinds=[])) == []
    assert store.count_records("r") == 5000


def test_run_start_and_end_records_create_and_finish_the_run(store):
    """Without start_run, a run.start record creates the run and run.end finishes it."""
    store.add_records(
        [
            Record("run.start", "abc", 1, 50.0, {"spell": "s", "engine": "lua", "entry": "m.lua"}),
            Record(
                "run.end",
                "abc",
                2,
                52.5,
                {"status": "limit", "exit_code": 3, "duration": 2.5, "error": {"message": "slow"}},
            ),
        ]
    )
    info = store.get_run("abc")
    assert (info.spell, info.engine, info.spell_path, info.pid) == (
        "s",
        "lua",
        "m.lua",
        os.getpid(),
    )
    assert (info.status, info.exit_code, info.exit_reason) == ("limit", 3, "slow")
    assert (info.started, info.ended, info.duration) == (50.0, 52.5, 2.5)


def test_a_status_set_by_the_client_wins_over_a_late_run_end(store):
    """finish_run(killed) is not overwritten by a run.end record that arrives afterwards."""
    store.start_run("k", "s", None, "lua", {}, "ide", os.getpid())
    store.finish_run("k", "killed", 137, "stopped by the user")
    store.add_records([Record("run.end", "k", 1, 1.0, {"status": "error", "exit_code": 1})])
    assert store.get_run("k").status == "killed"


def test_finish_run_rejects_bad_status_and_unknown_run(store):
    """finish_run refuses a non-final status and names an unknown run."""
    store.start_run("r", "s", None, None, None, None, None)
    with pytest.raises(ValueError, match="running"):
        store.finish_run("r", "running", None)
    with pytest.raises(RunNotFoundError):
        store.finish_run("nope", "ok", 0)


def test_prefix_lookup(store):
    """get_run takes a full id or a unique prefix; ambiguity and absence are named errors."""
    for run_id in ("abc111", "abc222", "abd333"):
        store.start_run(run_id, "s", None, None, {}, None, None)
    assert store.get_run("abc111").id == "abc111"
    assert store.get_run("abd").id == "abd333"
    assert store.get_run("abc2").id == "abc222"
    with pytest.raises(AmbiguousRunError) as ambiguous:
        store.get_run("abc")
    assert sorted(ambiguous.value.matches) == ["abc111", "abc222"]
    assert "ambiguous" in str(ambiguous.value) and "abc111" in str(ambiguous.value)
    with pytest.raises(RunNotFoundError, match="zzz"):
        store.get_run("zzz")
    with pytest.raises(RunNotFoundError):
        store.get_run("")
    with pytest.raises(RunNotFoundError):
        store.get_run("a%")  # a LIKE wildcard is just a character here


def test_list_runs_newest_first_with_limit_and_spell(store):
    """list_runs orders by start, newest first, honours limit, and filters by spell name."""
    for i in range(6):
        spell = "even" if i % 2 == 0 else "odd"
        store.start_run(f"r{i}", spell, None, "lua", {}, "cli", None, started=100.0 + i)
    assert [r.id for r in store.list_runs()] == ["r5", "r4", "r3", "r2", "r1", "r0"]
    assert [r.id for r in store.list_runs(limit=2)] == ["r5", "r4"]
    assert [r.id for r in store.list_runs(spell="even")] == ["r4", "r2", "r0"]
    assert store.list_runs(spell="none") == []


def test_delete_run_removes_run_and_records(store):
    """delete_run forgets the run and its records; other runs stay."""
    for run_id in ("a", "b"):
        store.start_run(run_id, "s", None, None, {}, None, None)
        store.add_records(_records(run_id, 3))
    store.delete_run("a")
    with pytest.raises(RunNotFoundError):
        store.get_run("a")
    assert list(store.records("a")) == []
    assert store.count_records("b") == 3
    with pytest.raises(RunNotFoundError):
        store.delete_run("a")


def test_running_run_of_a_dead_host_is_crashed_and_recorded(store):
    """A run left running by a host that no longer exists reads as crashed, in the file too."""
    pid = _dead_pid()
    store.start_run("dead", "s", None, "lua", {}, "cli", pid, started=10.0)
    store.add_records(_records("dead", 4))
    store.start_run("alive", "s", None, "lua", {}, "cli", os.getpid(), started=11.0)
    by_id = {r.id: r for r in store.list_runs()}
    assert by_id["alive"].status == "running"
    crashed = by_id["dead"]
    assert crashed.status == "crashed"
    assert crashed.exit_reason == f"the engine host died (pid {pid})"
    assert crashed.ended == 1004.0  # the time of its last record
    raw = sqlite3.connect(store.path)
    assert raw.execute("SELECT status FROM runs WHERE id='dead'").fetchone() == ("crashed",)
    raw.close()
    assert store.get_run("dea").status == "crashed"


def test_a_dead_host_that_stored_run_end_gets_the_run_end_status(store):
    """If run.end was stored but nobody called finish_run, the run.end status is believed."""
    pid = _dead_pid()
    store.start_run("r", "s", None, "lua", {}, "cli", pid)
    store.add_records([Record("run.end", "r", 1, 5.0, {"status": "ok", "exit_code": 0})])
    # run.end already finished it in add_records; undo that to model a host that stored
    # records without the automatic finish (an older writer).
    raw = sqlite3.connect(store.path)
    raw.execute("UPDATE runs SET status='running', ended=NULL WHERE id='r'")
    raw.commit()
    raw.close()
    assert store.get_run("r").status == "ok"


def test_a_zombie_host_counts_as_dead(store):
    """A host that died but was not reaped yet (a zombie) still makes its run crashed."""
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().split(")")[-1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        store.start_run("z", "s", None, None, {}, None, child.pid)
        assert store.get_run("z").status == "crashed"
    finally:
        child.wait()


def test_a_recycled_pid_is_not_taken_for_the_host(store):
    """A live pid whose start time differs from the host's recorded one means the host died."""
    store.start_run("r", "s", None, None, {}, None, os.getpid())
    if store._db.execute("SELECT pid_token FROM runs").fetchone()[0] is None:
        pytest.skip("no process start times on this system")
    raw = sqlite3.connect(store.path)
    raw.execute("UPDATE runs SET pid_token='1' WHERE id='r'")
    raw.commit()
    raw.close()
    assert store.get_run("r").status == "crashed"


def test_store_sink_writes_everything_on_close(store):
    """Every record emitted through a StoreSink is stored, in order, once it is closed."""
    sink = StoreSink(store)
    telemetry = Telemetry("sinkrun", [sink])
    telemetry.emit("run.start", {"spell": "s", "engine": "lua", "entry": "m.lua", "params": {}})
    for i in range(1234):
        telemetry.emit("output", {"stream": "stdout", "text": f"{i}\n"})
    telemetry.emit("run.end", {"status": "ok", "exit_code": 0, "duration": 0.1})
    sink.close()
    sink.close()  # twice is harmless
    stored = list(store.records("sinkrun"))
    assert [r.seq for r in stored] == list(range(1, 1237))
    assert stored[500].data == {"stream": "stdout", "text": "499\n"}
    assert store.get_run("sinkrun").status == "ok"


def test_store_sink_flushes_a_quiet_run_within_the_interval(store, tmp_path):
    """One record and then silence: another connection sees it within a few intervals."""
    sink = StoreSink(store, interval=0.05)
    sink.emit(Record("log", "quiet", 1, 1.0, {"level": "info", "message": "hi", "fields": {}}))
    with RunStore(store.path) as reader:
        deadline = time.monotonic() + 2.0
        while reader.count_records("quiet") == 0:
            assert time.monotonic() < deadline, "the record never reached the file"
            time.sleep(0.01)
    sink.close()


def test_store_sink_snapshots_records_at_emit(store):
    """A record's data changed after emit (a live attribute dict) is stored as it was emitted."""
    sink = StoreSink(store)
    attributes = {"a": 1}
    sink.emit(Record("span.start", "snap", 1, 1.0, {"id": 1, "attributes": attributes}))
    attributes["b"] = 2
    sink.close()
    assert next(store.records("snap")).data["attributes"] == {"a": 1}


def test_store_sink_reports_a_failing_store_on_flush(tmp_path):
    """A store that cannot write does not break emit, and flush/close say why."""
    store = RunStore(tmp_path / "r.sqlite3")
    sink = StoreSink(store)
    store.close()  # the writer's next batch will fail
    sink.emit(Record("log", "x", 1, 1.0, {}))
    with pytest.raises(RuntimeError, match="run store failed"):
        sink.flush(timeout=5)
    sink.emit(Record("log", "x", 2, 1.0, {}))  # dropped quietly
    with pytest.raises(RuntimeError):
        sink.close()


def test_real_spell_run_is_stored(store, tmp_path, run_lua):
    """A real Lua run through the runner is stored record for record, ok at the end."""
    run_id, emitted = run_lua(store, tmp_path / "spell", 'print("hi")\nlog.warn("careful")\n')
    stored = list(store.records(run_id))
    assert [r.to_dict() for r in stored] == [r.to_dict() for r in emitted]
    assert [r.kind for r in stored] == ["run.start", "output", "log", "run.end"]
    info = store.get_run(run_id)
    assert (info.status, info.exit_code, info.client) == ("ok", 0, "test")
