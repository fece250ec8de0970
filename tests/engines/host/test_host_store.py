"""Every run launched through a host is in the run store, and stays readable when the host
or its client is killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from engines.store.runs import RunStore

REPO = Path(__file__).resolve().parents[3]

TICKING = """
for i = 1, 1000000 do
  print("tick " .. i)
  local t = os.clock()
  while os.clock() - t < 0.01 do end
end
"""


def _run_id(dap) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        starts = dap.records_of("run.start")
        if starts:
            return str(starts[0]["run"])
        time.sleep(0.01)
    raise AssertionError("no run.start record")


def _wait_status(store: RunStore, run_id: str, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = store.get_run(run_id).status
        if status != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_a_run_through_the_host_is_stored_with_all_its_records(host, spell):
    """The store holds the run (spell, engine, params, status, exit code) and every record
    the client received, the same, by the time `exited` arrives."""
    program = spell('print("a")\nlog.info("b")\nstate.set("k", 1)\nprint("c")\n')
    dap = host().launch(program)
    assert dap.exit_code() == 0
    dap.wait_event("terminated")
    run_id = _run_id(dap)
    with RunStore() as store:
        info = store.get_run(run_id)
        assert (info.spell, info.engine, info.status, info.exit_code) == ("main", "lua", "ok", 0)
        assert info.client == "dap"
        assert info.pid == dap.client.process.pid
        stored = [r.to_dict() for r in store.records(run_id)]
    received = dap.records()
    assert [json.loads(json.dumps(r)) for r in received] == stored


def test_runs_db_launch_argument_chooses_the_store(host, spell, tmp_path):
    """`runsDb` in launch arguments puts the run in that file."""
    db = tmp_path / "elsewhere.sqlite3"
    dap = host().launch(spell("print(1)"), runsDb=str(db), client="ide", params={})
    assert dap.exit_code() == 0
    dap.wait_event("terminated")
    with RunStore(db) as store:
        info = store.get_run(_run_id(dap))
    assert info.status == "ok" and info.client == "ide"


def test_failed_and_terminated_runs_are_stored_with_their_status(host, spell):
    """An error run is stored `error` with its message; a terminated one `terminated`."""
    dap = host().launch(spell('error("nope")'))
    assert dap.exit_code() == 1
    dap.wait_event("terminated")
    error_id = _run_id(dap)
    dap = host().launch(spell(TICKING, name="tick.lua"))
    dap.wait_event("output")
    dap("terminate")
    assert dap.exit_code(2) == 3
    dap.wait_event("terminated")
    with RunStore() as store:
        failed = store.get_run(error_id)
        assert failed.status == "error" and "nope" in (failed.exit_reason or "")
        assert store.get_run(_run_id(dap)).status == "terminated"


def test_kill_9_of_the_host_leaves_a_readable_crashed_run(host, spell):
    """kill -9 mid-run: the records written so far are readable and the run says crashed."""
    dap = host().launch(spell(TICKING))
    for _ in range(5):
        dap.wait_event("output")
    time.sleep(0.1)  # the store commits within 50 ms
    run_id = _run_id(dap)
    os.kill(dap.client.process.pid, signal.SIGKILL)
    dap.wait_exit(3)
    with RunStore() as store:
        info = store.get_run(run_id)
        assert info.status == "crashed"
        assert "died" in (info.exit_reason or "")
        records = list(store.records(run_id))
    assert records[0].kind == "run.start"
    ticks = [r.data["text"] for r in records if r.kind == "output"]
    assert ticks[:5] == [f"tick {i}\n" for i in range(1, 6)]
    assert [r.seq for r in records] == list(range(1, len(records) + 1))


CLIENT = textwrap.dedent(
    """
    import sys, time
    from engines.host.client import HostClient

    client = HostClient()
    client.request("initialize", {})
    client.request("launch", {"program": sys.argv[1], "noDebug": True, "client": "doomed"})
    client.request("configurationDone")
    while True:
        name, body = client.events.get(timeout=10)
        if name == "llmspell/telemetry":
            for record in body["records"]:
                if record["kind"] == "run.start":
                    print(record["run"], client.process.pid, flush=True)
        if name == "output" and "tick 3" in body.get("output", ""):
            print("ticking", flush=True)
            time.sleep(60)
    """
)


def test_kill_9_of_the_client_leaves_a_finished_run(spell, tmp_path):
    """kill -9 of a client mid-run: its host sees stdin close, ends the run and exits; the
    run is recorded as ended (never stuck as running)."""
    program = spell(TICKING)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT, str(program)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=str(REPO),
        text=True,
    )
    host_pid = 0
    try:
        assert client.stdout is not None
        run_id, host_pid_text = client.stdout.readline().split()
        host_pid = int(host_pid_text)
        assert client.stdout.readline().strip() == "ticking"
        client.send_signal(signal.SIGKILL)
        client.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(host_pid):
            time.sleep(0.05)
        assert not _alive(host_pid), "the host outlived its client"
        with RunStore() as store:
            info = store.get_run(run_id)
            assert info.status in ("terminated", "ok", "crashed"), info.status
            assert info.client == "doomed"
            assert store.count_records(run_id) >= 4
    finally:
        client.kill()
        if host_pid and _alive(host_pid):
            os.kill(host_pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
