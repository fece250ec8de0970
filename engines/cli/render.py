"""Turns telemetry records into what a person reads in a terminal, or into JSON lines."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from engines.telemetry import Record

_LEVEL_COLOURS = {"debug": "\033[2m", "info": "\033[36m", "warn": "\033[33m", "error": "\033[31m"}
_DIM, _RESET = "\033[2m", "\033[0m"


def short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_path(path: str | os.PathLike[str] | None) -> str:
    """A path relative to the working directory when it is under it, as people type them."""
    if path is None:
        return ""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def describe(record: Record) -> str | None:
    """One readable line for a record, or None for records a person need not see."""
    data = record.data
    kind = record.kind
    if kind == "log":
        fields = " ".join(f"{k}={short(v, 40)}" for k, v in (data.get("fields") or {}).items())
        return f"[{data['level']}] {data['message']}" + (f"  {fields}" if fields else "")
    if kind == "state":
        scope = "" if data.get("scope") == "run" else f"[{data['scope']}] "
        if data["op"] == "snapshot":
            return f"state: {scope}snapshot {data['id']}"
        if data["op"] == "delete":
            return f"state: {scope}delete {data['path']}"
        return f"state: {scope}{data['op']} {data['path'] or '(root)'} = {short(data.get('new'))}"
    if kind == "event":
        return (
            f"event: {data['type']} {short(data.get('data'))} -> {len(data['handlers'])} handler(s)"
        )
    if kind == "hook":
        if data.get("error"):
            return f"hook: {data['point']} #{data['hook']} failed: {data['error']}"
        outcome = (
            "cancelled" if data.get("cancelled") else ("changed" if data.get("changed") else "ok")
        )
        return f"hook: {data['point']} #{data['hook']} {outcome}"
    if kind == "span.end":
        return f"span: {data['name']} {data['duration'] * 1000:.2f} ms {data['status']}"
    if kind == "metric":
        labels = short(data["labels"]) if data.get("labels") else ""
        return f"metric: {data['name']}{labels} = {data['value']}"
    return None


class HumanSink:
    """Output to stdout as the spell wrote it; every other record as a dim line on stderr."""

    def __init__(
        self, out: TextIO | None = None, err: TextIO | None = None, quiet: bool = False
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        self.colour = (
            hasattr(self.err, "isatty") and self.err.isatty() and not os.environ.get("NO_COLOR")
        )

    def emit(self, record: Record) -> None:
        if record.kind == "output":
            self.out.write(record.data["text"])
            self.out.flush()
            return
        if self.quiet and not (record.kind == "log" and record.data["level"] in ("warn", "error")):
            return
        line = describe(record)
        if line is None:
            return
        if self.colour:
            colour = _LEVEL_COLOURS.get(record.data.get("level", ""), _DIM)
            line = f"{colour}{line}{_RESET}"
        self.err.write(line + "\n")
        self.err.flush()


class JsonLinesSink:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def emit(self, record: Record) -> None:
        self.out.write(json.dumps(record.to_dict(), ensure_ascii=False, default=repr) + "\n")
        self.out.flush()
