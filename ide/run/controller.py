"""`RunController`: runs and debug sessions for the window, one `RunSession` at a time.

It owns the breakpoint store, turns the DAP conversation into plain signals (state changes,
record batches, pauses with their stack, the end of a run) and offers the requests the
debugger panes need (scopes, variables, evaluate), each answered through a callback.
"""

from __future__ import annotations

import os
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from ide.run.breakpoints import BreakpointStore
from ide.run.session import Callback, RunSession
from ide.run.stats import RunStats

IDLE, STARTING, RUNNING, PAUSED, STOPPING, ENDED = (
    "idle", "starting", "running", "paused", "stopping", "ended",
)  # fmt: skip


class RunController(QObject):
    sig_state_changed = Signal(str)
    """The run state: idle, starting, running, paused, stopping or ended."""
    sig_run_started = Signal(str, bool)
    """A run of this program started (True for a debug session)."""
    sig_records = Signal(list)
    """A batch of telemetry records of the current run."""
    sig_message = Signal(str, str)
    """Something to tell the user in the console: (level, text); level is info/warn/error/output."""
    sig_paused = Signal(dict, list)
    """The spell stopped: the stopped event's body and the stack frames (top first)."""
    sig_resumed = Signal()
    """The spell runs again after a pause."""
    sig_run_finished = Signal(dict)
    """The run ended: {exit_code, status, error, problem, duration}."""

    def __init__(
        self, breakpoints: BreakpointStore | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.breakpoints = breakpoints or BreakpointStore()
        self.breakpoints.subscribe(self._push_breakpoints)
        self.session: RunSession | None = None
        self.state = IDLE
        self.debug = False
        self.program: str | None = None
        self.stats = RunStats()
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.frames: list[dict[str, Any]] = []
        self.host_command: list[str] | None = None  # tests may run another host
        self.interval_ms = 50
        self._temp: tuple[str, int] | None = None
        self._exit_code: int | None = None
        self._launch_problem: str | None = None
        self._sent_files: set[str] = set()

    # -- starting and stopping -------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.state in (STARTING, RUNNING, PAUSED, STOPPING)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.sig_state_changed.emit(state)

    def start(
        self,
        program: str,
        params: dict[str, Any] | None = None,
        *,
        debug: bool = False,
        limits: dict[str, Any] | None = None,
        stop_on_entry: bool = False,
        run_to: tuple[str, int] | None = None,
        replay: str | None = None,
    ) -> bool:
        """Start a run (or a debug session) of a spell file or folder; False when one is active.

        `replay` (a recording file or a run id from the run store) runs the spell offline: every
        LLM answer, tool result, time and id comes from the recording.
        """
        if self.active:
            return False
        self.program = os.path.abspath(program)
        self.debug = debug
        self.stats = RunStats()
        self.frames = []
        self._temp = run_to
        self._exit_code = None
        self._launch_problem = None
        self.started_at, self.ended_at = time.monotonic(), None
        session = RunSession(command=self.host_command, interval_ms=self.interval_ms, parent=self)
        self.session = session
        session.sig_records.connect(self._on_records)
        session.sig_event.connect(self._on_event)
        self._set_state(STARTING)
        self.sig_run_started.emit(self.program, debug)
        arguments: dict[str, Any] = {
            "program": self.program,
            "params": params or {},
            "noDebug": not debug,
            "stopOnEntry": bool(stop_on_entry and debug),
            "client": "studio",
        }
        if limits:
            arguments["limits"] = limits
        if replay:
            arguments["replay"] = replay
        session.launch(arguments, lambda: self._configure(session), self._on_launched)
        return True

    def _configure(self, session: RunSession) -> None:
        """On a worker thread, between launch and configurationDone."""
        if not self.debug:
            return
        files = set(self.breakpoints.files())
        if self._temp:
            files.add(os.path.realpath(self._temp[0]))
        for path in sorted(files):
            session.request_sync("setBreakpoints", self._breakpoint_args(path))
        self._sent_files = files
        session.request_sync(
            "setFunctionBreakpoints", {"breakpoints": self.breakpoints.dap_functions()}
        )
        session.request_sync(
            "setExceptionBreakpoints", {"filters": sorted(self.breakpoints.exception_filters)}
        )

    def _breakpoint_args(self, path: str) -> dict[str, Any]:
        extra = self._temp[1] if self._temp and os.path.realpath(self._temp[0]) == path else None
        return {"source": {"path": path}, "breakpoints": self.breakpoints.dap_lines(path, extra)}

    def _on_launched(self, response: dict[str, Any]) -> None:
        if response.get("success"):
            if self.state == STARTING:
                self._set_state(RUNNING)
            return
        if self.state in (STARTING, RUNNING):
            self._launch_problem = f"the run could not start: {response.get('message')}"
            self._set_state(STOPPING)
            if self.session is not None:
                self.session.stop()

    def stop(self) -> None:
        if self.session is not None and self.active:
            self._set_state(STOPPING)
            self.session.stop()

    def kill_host(self) -> None:
        """Kill the host process outright (tests, and a last resort)."""
        if self.session is not None:
            self.session.kill()

    # -- debugging -------------------------------------------------------------------------

    def _control(self, command: str) -> None:
        if self.session is None or self.state != PAUSED:
            return
        self.session.call(command, {"threadId": 1}, self._check(command))

    def _check(self, command: str) -> Callback:
        def check(response: dict[str, Any]) -> None:
            if not response.get("success") and self.active:
                self.sig_message.emit("warn", f"{command}: {response.get('message')}")

        return check

    def resume(self) -> None:
        self._control("continue")

    def step_over(self) -> None:
        self._control("next")

    def step_into(self) -> None:
        self._control("stepIn")

    def step_out(self) -> None:
        self._control("stepOut")

    def pause(self) -> None:
        if self.session is not None and self.state == RUNNING and self.debug:
            self.session.call("pause", {"threadId": 1}, self._check("pause"))

    def run_to(self, path: str, line: int) -> None:
        """Continue to `line` with a temporary breakpoint (or start a debug session there)."""
        if self.session is None or not self.active:
            return
        self._temp = (path, line)
        real = os.path.realpath(path)
        self.session.call("setBreakpoints", self._breakpoint_args(real))
        self._sent_files.add(real)
        if self.state == PAUSED:
            self.resume()

    def _push_breakpoints(self) -> None:
        session = self.session
        if session is None or not self.debug or self.state not in (RUNNING, PAUSED):
            return
        files = set(self.breakpoints.files()) | self._sent_files
        for path in sorted(files):
            session.call("setBreakpoints", self._breakpoint_args(path))
        self._sent_files = files
        session.call("setFunctionBreakpoints", {"breakpoints": self.breakpoints.dap_functions()})
        session.call(
            "setExceptionBreakpoints", {"filters": sorted(self.breakpoints.exception_filters)}
        )

    def request(self, command: str, arguments: dict[str, Any], callback: Callback) -> None:
        """Any request for the panes (scopes, variables, evaluate, setVariable)."""
        if self.session is None or self.state != PAUSED:
            callback({"success": False, "message": "the spell is not paused"})
            return
        self.session.call(command, arguments, callback)

    # -- from the session ------------------------------------------------------------------

    def _on_records(self, records: list) -> None:
        self.stats.feed(records)
        self.sig_records.emit(records)

    def _on_event(self, name: str, body: dict[str, Any]) -> None:
        if name == "stopped":
            self._on_stopped(body)
        elif name == "continued":
            if self.state == PAUSED:
                self.frames = []
                self._set_state(RUNNING)
                self.sig_resumed.emit()
        elif name == "output":
            if not (body.get("data") or {}).get("llmspell"):
                text = str(body.get("output", ""))
                self.sig_message.emit(
                    "error" if body.get("category") == "stderr" else "info", text.rstrip("\n")
                )
        elif name == "exited":
            self._exit_code = int(body.get("exitCode", 1))
        elif name == "llmspell/hostExited":
            self._on_host_exited()

    def _on_stopped(self, body: dict[str, Any]) -> None:
        if self.session is None or self.state in (STOPPING, ENDED):
            return
        self._set_state(PAUSED)
        if self._temp is not None:
            path = os.path.realpath(self._temp[0])
            self._temp = None
            self.session.call("setBreakpoints", self._breakpoint_args(path))

        def got_stack(response: dict[str, Any]) -> None:
            if self.state != PAUSED:
                return
            self.frames = list((response.get("body") or {}).get("stackFrames") or [])
            self.sig_paused.emit(body, self.frames)

        self.session.call("stackTrace", {"threadId": 1}, got_stack)

    def _on_host_exited(self) -> None:
        session = self.session
        problem = None
        if self._exit_code is None and session is not None and self.state != STOPPING:
            problem = f"the engine host died: {session.client.exit_reason()}"
        elif self._exit_code is None and self.state == STOPPING:
            problem = self._launch_problem or "stopped"
        self.ended_at = time.monotonic()
        summary = {
            "exit_code": self._exit_code if self._exit_code is not None else self.stats.exit_code,
            "status": self.stats.status or ("stopped" if self.state == STOPPING else "crashed"),
            "error": self.stats.error,
            "problem": problem,
            "duration": self.elapsed(),
        }
        self.frames = []
        self._set_state(ENDED)
        self.sig_run_finished.emit(summary)

    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.ended_at or time.monotonic()) - self.started_at
