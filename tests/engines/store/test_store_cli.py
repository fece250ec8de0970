"""`llmspell runs list|show|export`, driven through argparse as main.py will drive it."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from engines.cli.runs import add_runs_parser, format_duration, handle_runs
from engines.store.runs import RunStore
from engines.telemetry import Record

REPO = Path(__file__).resolve().parents[3]


def runs(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="llmspell")
    add_runs_parser(parser.add_subparsers(dest="command"))
    return handle_runs(parser.parse_args(["runs", *argv]))


def test_list_shows_one_line_per_run(store, tmp_path, run_lua, capsys):
    """list prints id, spell, status, a readable local start time and the duration per run."""
    run_id, _ = run_lua(store, tmp_path / "spell", 'print("hi")')
    store.start_run("older0000001", "other", None, "lua", {}, "cli", None, started=1_700_000_000)
    store.finish_run("older0000001", "error", 1, "boom", ended=1_700_000_095)
    assert runs("--db", str(store.path), "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "SPELL", "STATUS", "STARTED", "DURATION"]
    assert lines[1].split()[:3] == [run_id, "main", "ok"]
    assert lines[1].endswith(" ms")
    older = lines[2].split()
    assert older[:3] == ["older0000001", "other", "error"]
    assert " ".join(older[3:5]) == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1_700_000_000))
    assert older[5] == "1m35s"
    assert runs("--db", str(store.path), "list", "--spell", "other", "--limit", "5") == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == [
        "older0000001"
    ]


def test_list_without_a_database_says_so_and_creates_nothing(tmp_path, capsys):
    """With no runs database yet, list reports no runs and does not create the file."""
    db = tmp_path / "none.sqlite3"
    assert runs("--db", str(db), "list") == 0
    assert "no runs" in capsys.readouterr().out
    assert not db.exists()


def test_show_prints_facts_then_readable_records(store, tmp_path, run_lua, capsys):
    """show gives the run's facts, then output lines, logs, state changes and the error."""
    source = """\
    print("first line")
    log.warn("careful", {n = 1})
    state.set("k", 42)
    error("it broke")
    """
    run_id, _ = run_lua(store, tmp_path / "spell", source)
    assert runs("--db", str(store.path), "show", run_id[:5]) == 0
    out = capsys.readouterr().out
    assert f"run:       {run_id}" in out
    assert "status:    error" in out
    assert "exit code: 1" in out
    assert "it broke" in out.split("\n\n")[0]  # the reason is among the facts
    body = out.split("\n\n", 1)[1]
    assert "stdout| first line" in body
    assert "[warn] careful" in body
    assert "state: set k = 42" in body
    assert "run ended: error, exit code 1" in body
    assert "error: " in body and "it broke" in body
    assert body.splitlines()[0].strip().startswith("0.000s run started: main (lua)")


def test_show_joins_partial_output_and_marks_a_crash(store, capsys):
    """Output split across records reads as one line; a crashed run says where records end."""
    store.start_run("crash0000001", "s", None, "lua", {}, "cli", None, started=10.0)
    store.add_records(
        [
            Record("output", "crash0000001", 1, 10.1, {"stream": "stdout", "text": "a"}),
            Record("output", "crash0000001", 2, 10.2, {"stream": "stdout", "text": "b\nc"}),
            Record("custom.kind", "crash0000001", 3, 10.3, {"x": 1}),
        ]
    )
    store.finish_run("crash0000001", "crashed", None, "the engine host died (pid 7)", ended=10.3)
    assert runs("--db", str(store.path), "show", "crash") == 0
    body = capsys.readouterr().out.split("\n\n", 1)[1].splitlines()
    assert body[0].endswith("stdout| ab")
    assert body[1].endswith("stdout| c")
    assert body[2].endswith('custom.kind: {"x":1}')
    assert body[-1] == "-- records end here: the engine host died (pid 7)"


def test_unknown_and_ambiguous_ids_are_usage_errors(store, capsys):
    """show/export of an unknown or ambiguous id exit 2 with the reason on stderr."""
    store.start_run("abc1", "s", None, None, {}, None, None)
    store.start_run("abc2", "s", None, None, {}, None, None)
    assert runs("--db", str(store.path), "show", "zzz") == 2
    assert "no run with id 'zzz'" in capsys.readouterr().err
    assert runs("--db", str(store.path), "export", "abc") == 2
    err = capsys.readouterr().err
    assert "ambiguous" in err and "abc1" in err and "abc2" in err
    assert runs("--db", str(store.path)) == 2  # no sub-command
    assert runs("--db", str(store.path), "list", "--limit", "0") == 2


def test_export_jsonl_to_a_file_and_otlp_json_to_stdout(
    store, tmp_path, run_lua, spans_spell, capsys
):
    """export writes JSON lines to -o FILE, and the OTLP/JSON document to stdout."""
    run_id, emitted = run_lua(store, tmp_path / "spell", spans_spell)
    target = tmp_path / "out.jsonl"
    assert runs("--db", str(store.path), "export", run_id, "-o", str(target)) == 0
    assert f"wrote {len(emitted)} records" in capsys.readouterr().err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [r.seq for r in emitted]
    assert runs("--db", str(store.path), "export", run_id[:4], "--format", "otlp-json") == 0
    doc = json.loads(capsys.readouterr().out)
    names = {s["name"] for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]}
    assert names == {"plan", "inner", "left-open"}


def test_export_of_an_unknown_id_leaves_no_file(store, tmp_path):
    """A wrong id with -o fails before the output file is created."""
    target = tmp_path / "never.jsonl"
    assert runs("--db", str(store.path), "export", "nope", "-o", str(target)) == 2
    assert not target.exists()


def test_runs_in_a_real_process_reads_the_default_database(llmspell_home):
    """In a subprocess with the default database under LLMSPELL_HOME, list finds a run."""
    with RunStore() as store:
        store.start_run("proc00000001", "hello", None, "lua", {}, "cli", None)
        store.finish_run("proc00000001", "ok", 0)
    code = (
        "import argparse, sys\n"
        "from engines.cli.runs import add_runs_parser, handle_runs\n"
        "p = argparse.ArgumentParser(); add_runs_parser(p.add_subparsers(dest='command'))\n"
        "sys.exit(handle_runs(p.parse_args(sys.argv[1:])))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", code, "runs", "list"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[:3] == ["proc00000001", "hello", "ok"]


def test_durations_read_naturally():
    """Durations print as ms, s, minutes or hours as their size asks."""
    assert [format_duration(x) for x in (None, 0.0123, 4.56, 95, 3725)] == [
        "-",
        "12 ms",
        "4.6 s",
        "1m35s",
        "1h02m",
    ]
