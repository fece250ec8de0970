"""`llmspell runs`: list stored runs, show one with its records, export one.

Wired into `engines.cli.main` by `add_runs_parser(subparsers)` and `handle_runs(args)`.
Exit codes: 0 ok, 2 usage error (unknown or ambiguous run id, bad arguments).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from engines.store.runs import RunInfo, RunStore
    from engines.telemetry import Record

EXIT_OK = 0
EXIT_USAGE = 2


def add_runs_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `runs list|show|export` to a subparsers object; returns the `runs` parser."""
    runs = subparsers.add_parser("runs", help="list, show and export stored runs")
    runs.add_argument(
        "--db", metavar="FILE", help="the runs database (default: runs.sqlite3 in the data dir)"
    )
    commands = runs.add_subparsers(dest="runs_command", metavar="COMMAND")

    listing = commands.add_parser("list", help="the most recent runs, newest first")
    listing.add_argument("--limit", type=int, default=50, metavar="N", help="at most N runs")
    listing.add_argument("--spell", metavar="NAME", help="only the runs of this spell")

    show = commands.add_parser("show", help="a run's facts and its records")
    show.add_argument("id", help="a run id, or a prefix naming one run")

    export = commands.add_parser("export", help="write a run's records or spans to a file")
    export.add_argument("id", help="a run id, or a prefix naming one run")
    export.add_argument(
        "--format",
        choices=["jsonl", "otlp-json"],
        default="jsonl",
        help="jsonl: every record as a JSON line; otlp-json: the spans as OTLP/JSON",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="where to write (default: stdout)")
    return runs


def handle_runs(args: argparse.Namespace) -> int:
    from engines.store.runs import RunLookupError, RunStore, default_runs_db

    command = getattr(args, "runs_command", None)
    if command is None:
        return _fail("runs: name a command: list, show or export")
    path = Path(args.db) if getattr(args, "db", None) else default_runs_db()
    if not path.exists():
        # Reading commands never create the database as a side effect.
        if command == "list":
            print("no runs recorded yet")
            return EXIT_OK
        return _fail(f"no run with id {args.id!r} (no runs recorded yet)")
    try:
        with RunStore(path) as store:
            if command == "list":
                return _list(store, args.limit, args.spell)
            if command == "show":
                return _show(store, args.id, sys.stdout)
            if command == "export":
                return _export(store, args.id, args.format, args.output)
    except RunLookupError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(str(exc))
    return _fail(f"runs: unknown command {command!r}")


def _fail(message: str) -> int:
    print(f"llmspell: {message}", file=sys.stderr)
    return EXIT_USAGE


# ----------------------------------------------------------------------------- formatting


def format_time(ts: float | None) -> str:
    """A timestamp in local time, as people read it."""
    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _run_duration(info: RunInfo) -> str:
    if info.status == "running":
        return f"{format_duration(time.time() - info.started)} so far"
    return format_duration(info.duration)


# ----------------------------------------------------------------------------- commands


def _list(store: RunStore, limit: int, spell: str | None) -> int:
    if limit <= 0:
        return _fail("--limit must be positive")
    runs = store.list_runs(limit=limit, spell=spell)
    if not runs:
        print("no runs" + (f" of {spell}" if spell else ""))
        return EXIT_OK
    width = max(12, *(len(r.id) for r in runs))
    name_width = min(30, max(5, *(len(r.spell) for r in runs)))
    print(f"{'ID':<{width}}  {'SPELL':<{name_width}}  {'STATUS':<10}  {'STARTED':<19}  DURATION")
    for info in runs:
        print(
            f"{info.id:<{width}}  {info.spell:<{name_width}}  {info.status:<10}  "
            f"{format_time(info.started):<19}  {_run_duration(info)}"
        )
    return EXIT_OK


def _show(store: RunStore, key: str, out: TextIO) -> int:
    from engines.cli.render import short

    info = store.get_run(key)
    count = store.count_records(info.id)
    facts = [
        ("run", info.id),
        ("spell", info.spell),
        ("path", info.spell_path or "-"),
        ("engine", info.engine or "-"),
        ("params", short(info.params, 200)),
        ("client", info.client or "-"),
        ("host pid", str(info.pid) if info.pid is not None else "-"),
        ("status", info.status),
        ("exit code", "-" if info.exit_code is None else str(info.exit_code)),
        ("reason", info.exit_reason or "-"),
        ("started", format_time(info.started)),
        ("ended", format_time(info.ended)),
        ("duration", _run_duration(info)),
        ("records", str(count)),
    ]
    for label, value in facts:
        out.write(f"{label + ':':<11}{value}\n")
    out.write("\n")
    for line in describe_records(store.records(info.id), info.started):
        out.write(line + "\n")
    if info.status == "crashed":
        out.write(f"-- records end here: {info.exit_reason or 'the engine host died'}\n")
    return EXIT_OK


def _export(store: RunStore, key: str, fmt: str, output: str | None) -> int:
    from engines.store.export import export_jsonl, export_otlp_json

    exporter = export_jsonl if fmt == "jsonl" else export_otlp_json
    target: TextIO | str = output if output else sys.stdout
    if output:
        # Resolve the id first, so a wrong id leaves no empty file behind.
        key = store.get_run(key).id
    count = exporter(store, key, target)
    if output:
        what = "records" if fmt == "jsonl" else "spans"
        print(f"wrote {count} {what} to {output}", file=sys.stderr)
    return EXIT_OK


# ----------------------------------------------------------------------------- records


def describe_records(records: Iterable[Record], started: float) -> Iterable[str]:
    """Readable lines for a run's records: each with its time since the run started.

    Output is shown as the terminal would have shown it: text is joined per stream until a
    newline, so `print("a", end="")` followed by `print("b")` reads as one line.
    """
    partial: dict[str, tuple[float, str]] = {}

    def stamp(ts: float) -> str:
        return f"{max(0.0, ts - started):>9.3f}s "

    def flush(stream: str) -> Iterable[str]:
        ts, text = partial.pop(stream)
        yield f"{stamp(ts)}{stream}| {text}"

    for record in records:
        if record.kind == "output":
            stream = str(record.data.get("stream") or "stdout")
            text = str(record.data.get("text") or "")
            first_ts, pending = partial.pop(stream, (record.ts, ""))
            lines = (pending + text).split("\n")
            for line in lines[:-1]:
                yield f"{stamp(first_ts)}{stream}| {line}"
                first_ts = record.ts
            if lines[-1]:
                partial[stream] = (first_ts, lines[-1])
            continue
        for stream in list(partial):
            yield from flush(stream)
        for line in _describe(record):
            yield f"{stamp(record.ts)}{line}"
    for stream in list(partial):
        yield from flush(stream)


def _describe(record: Record) -> list[str]:
    from engines.cli.render import describe, display_path, short

    data = record.data
    if record.kind == "run.start":
        params = f" params {short(data.get('params'))}" if data.get("params") else ""
        return [f"run started: {data.get('spell')} ({data.get('engine')}){params}"]
    if record.kind == "run.end":
        lines = [
            f"run ended: {data.get('status')}, exit code {data.get('exit_code')}, "
            f"{format_duration(data.get('duration'))}"
        ]
        error = data.get("error")
        if isinstance(error, dict):
            where = display_path(error.get("file"))
            if where and error.get("line"):
                where = f"{where}:{error['line']}"
            lines.append(f"error: {where + ': ' if where else ''}{error.get('message')}")
            if error.get("traceback"):
                lines.extend("    " + t for t in str(error["traceback"]).splitlines())
        return lines
    if record.kind == "span.start":
        return []  # its span.end line says all (name, duration, status)
    if record.kind == "span.end" and data.get("status") == "error" and data.get("error"):
        err = data["error"]
        message = err.get("message") if isinstance(err, dict) else err
        return [f"span: {data.get('name')} failed: {message}"]
    try:
        line = describe(record)
    except (KeyError, TypeError, ValueError, AttributeError):
        line = None  # a record shape the renderer does not know: show it raw below
    if line is not None:
        return [line]
    return [f"{record.kind}: {short(data, 160)}"]


if __name__ == "__main__":  # pragma: no cover - a convenience while main.py is not wired yet
    parser = argparse.ArgumentParser(prog="llmspell")
    add_runs_parser(parser.add_subparsers(dest="command"))
    sys.exit(handle_runs(parser.parse_args()))
