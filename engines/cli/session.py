"""A run of a spell in an engine host, seen from the command line: launch, stream the
records into a sink, and end with the run's exit code, whatever happens to the host."""

from __future__ import annotations

import sys
from typing import Any

from engines.errors import ExitCode
from engines.host.client import HostClient, HostError
from engines.telemetry import Record

# How long past the run's own time limit to wait before giving up on a silent host.
_GRACE = 10.0


class HostRun:
    def __init__(self, sink: Any) -> None:
        self._sink = sink
        self.error: dict[str, Any] | None = None
        self.end: dict[str, Any] | None = None
        self.host_problem: str | None = None
        self._timeout = 60.0
        self.client = HostClient(self._on_event, keep_events=False)

    def _on_event(self, name: str, body: dict[str, Any]) -> None:
        if name == "llmspell/telemetry":
            for raw in body.get("records", []):
                record = Record.from_dict(raw)
                if record.kind == "run.start":
                    self._timeout = float(raw.get("limits", {}).get("timeout", self._timeout))
                if record.kind == "run.end":
                    self.end = record.data
                    self.error = record.data.get("error")
                self._sink.emit(record)
        elif name == "output" and not (body.get("data") or {}).get("llmspell"):
            # Something in the host wrote to its stdout or stderr: show it, apart from the spell's output.
            sys.stderr.write(str(body.get("output", "")))
            sys.stderr.flush()

    def launch(self, arguments: dict[str, Any]) -> str | None:
        """Start the run; returns why it could not start, or None."""
        try:
            self.client.request("initialize", {"clientID": "llmspell-cli", "adapterID": "llmspell"})
            response = self.client.request("launch", arguments, timeout=30)
            if not response.get("success"):
                return str(response.get("message") or "the launch failed")
            self.client.request("configurationDone")
        except HostError as exc:
            return str(exc)
        return None

    def wait(self) -> int:
        """Wait for the run's end and return its exit code."""
        try:
            body = self.client.wait_for_event("exited", timeout=self._timeout + _GRACE)
            return int(body.get("exitCode", ExitCode.SPELL_ERROR))
        except HostError as exc:
            if self.client.closed.is_set():
                self.host_problem = f"the engine host died: {self.client.exit_reason()}"
                return ExitCode.SPELL_ERROR
            self.host_problem = f"{exc}; stopping it"
            self.client.kill()
            return ExitCode.LIMIT
        except KeyboardInterrupt:
            self.client.terminate()
            self.host_problem = "interrupted"
            return 130

    def __enter__(self) -> HostRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()
