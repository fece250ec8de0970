"""The DAP server of the engine host: one spell run per host process.

The protocol loop runs on the main thread and never waits on the spell: the spell runs on
an engine thread, and requests that need the engine (stack, variables, evaluate) are
handed to it through the debugger while it is stopped. `pause` and `terminate` are answered
at once; a run stuck where no check can reach it is ended by killing the process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO

from engines.host.debugger import EXCEPTION_FILTERS, WORKFLOW_STOPS, Debugger
from engines.host.protocol import MessageWriter, ProtocolError, read_message
from engines.host.step_state import StepState

CAPABILITIES = {
    "supportsConfigurationDoneRequest": True,
    "supportsFunctionBreakpoints": True,
    "supportsConditionalBreakpoints": True,
    "supportsHitConditionalBreakpoints": True,
    "supportsLogPoints": True,
    "supportsEvaluateForHovers": True,
    "supportsSetVariable": True,
    "supportsTerminateRequest": True,
    "supportsDelayedStackTraceLoading": False,
    "exceptionBreakpointFilters": EXCEPTION_FILTERS,
    # Custom requests for stepping through workflows (docs/debugging.md).
    "supportsSkipStep": True,
    "supportsRerunStep": True,
}
# How long past its deadline a run may go on before the host gives up on it and exits.
STUCK_GRACE = 1.0
TERMINATE_GRACE = 0.8


class RequestError(Exception):
    """A request that cannot be honoured; its message goes back in the error response."""


class HostServer:
    def __init__(self, reader: BinaryIO, writer: MessageWriter) -> None:
        self._reader = reader
        self.writer = writer
        self.debugger = Debugger(self.writer.event)
        self._launch: dict[str, Any] | None = None
        self._configured = False
        self._run_thread: threading.Thread | None = None
        self._run: Any = None  # engines.host.session.RunSession once launched
        self._disconnected = False
        self._step_state: tuple[Any, StepState] | None = None  # (the stop's payload, its scope)

    # -- the loop --------------------------------------------------------------------------

    def serve(self) -> None:
        while not self._disconnected:
            try:
                message = read_message(self._reader)
            except ProtocolError as exc:
                self.writer.event(
                    "output", {"category": "important", "output": f"protocol error: {exc}\n"}
                )
                continue
            if message is None:
                break  # the client is gone
            if message.get("type") == "request":
                self._dispatch(message)
        self._end_run("the client disconnected")

    def _dispatch(self, request: dict[str, Any]) -> None:
        command = request.get("command")
        handler = getattr(self, f"on_{command}", None) if isinstance(command, str) else None
        if handler is None:
            self.writer.response(request, success=False, message=f"unsupported request {command!r}")
            return
        arguments = request.get("arguments") or {}
        if not isinstance(arguments, dict):
            self.writer.response(request, success=False, message="arguments must be an object")
            return
        try:
            body = handler(arguments)
        except RequestError as exc:
            self.writer.response(request, success=False, message=str(exc))
            return
        except Exception as exc:  # a bad request must never take the host down
            self.writer.response(request, success=False, message=f"{type(exc).__name__}: {exc}")
            return
        self.writer.response(request, body)
        if command == "initialize":
            self.writer.event("initialized")

    # -- lifecycle -------------------------------------------------------------------------

    def on_initialize(self, args: dict[str, Any]) -> dict[str, Any]:
        start_warm_up()  # already running when the host was started by `python -m engines.host`
        return CAPABILITIES

    def on_launch(self, args: dict[str, Any]) -> None:
        if self._run is not None:
            raise RequestError("a spell was already launched in this host")
        from engines.host.session import RunSession, SessionError

        try:
            self._run = RunSession.prepare(args, self.writer, self.debugger)
        except SessionError as exc:
            raise RequestError(str(exc)) from None
        if args.get("stopOnEntry") and not args.get("noDebug"):
            self.debugger.stop_on_entry()
        self._start_when_ready()

    def on_configurationDone(self, args: dict[str, Any]) -> None:
        self._configured = True
        self._start_when_ready()

    def _start_when_ready(self) -> None:
        if self._run is None or not self._configured or self._run_thread is not None:
            return
        self._run_thread = threading.Thread(target=self._run.run, name="engine", daemon=True)
        self._run_thread.start()
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()

    def _watch(self) -> None:
        """Ends the process when the run is stuck past its deadline (in C code, say)."""
        run = self._run
        while self._run_thread is not None and self._run_thread.is_alive():
            time.sleep(0.05)
            if self.debugger.is_stopped:
                continue
            if time.monotonic() > run.ctx.deadline + STUCK_GRACE:
                run.abandon("limit", "time limit exceeded: the spell stopped answering")

    def on_disconnect(self, args: dict[str, Any]) -> None:
        self._disconnected = True

    def on_terminate(self, args: dict[str, Any]) -> None:
        if self._run is None or self._run_thread is None:
            return
        self._run.ctx.cancel("terminated by the client", limit="terminated")
        self.debugger.resume("terminate")
        threading.Thread(target=self._ensure_terminated, daemon=True).start()

    def _ensure_terminated(self) -> None:
        assert self._run_thread is not None
        self._run_thread.join(TERMINATE_GRACE)
        if self._run_thread.is_alive():
            self._run.abandon("terminated", "terminated by the client (the spell did not stop)")

    def _end_run(self, reason: str) -> None:
        if self._run is not None and self._run_thread is not None and self._run_thread.is_alive():
            self._run.ctx.cancel(reason, limit="terminated")
            self.debugger.resume("terminate")
            self._run_thread.join(TERMINATE_GRACE)
            if self._run_thread.is_alive():
                self._run.abandon("terminated", reason)

    # -- configuration ---------------------------------------------------------------------

    def on_setBreakpoints(self, args: dict[str, Any]) -> dict[str, Any]:
        source = args.get("source")
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            raise RequestError("setBreakpoints needs source.path")
        specs = args.get("breakpoints")
        if specs is None:
            specs = [{"line": line} for line in args.get("lines") or []]
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise RequestError("breakpoints must be a list of objects")
        path = os.path.realpath(source["path"])
        return {"breakpoints": self.debugger.set_breakpoints(path, specs)}

    def on_setFunctionBreakpoints(self, args: dict[str, Any]) -> dict[str, Any]:
        specs = args.get("breakpoints") or []
        if not isinstance(specs, list):
            raise RequestError("breakpoints must be a list")
        return {"breakpoints": self.debugger.set_function_breakpoints(specs)}

    def on_setExceptionBreakpoints(self, args: dict[str, Any]) -> dict[str, Any]:
        filters = args.get("filters") or []
        self.debugger.set_exception_filters([f for f in filters if isinstance(f, str)])
        return {"breakpoints": [{"verified": True} for _ in filters]}

    def on_threads(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"threads": [{"id": 1, "name": "spell"}]}

    # -- execution control -----------------------------------------------------------------

    def _require_debug(self) -> None:
        if self._run is None:
            raise RequestError("no spell was launched")
        if self._run.no_debug:
            raise RequestError("not a debug session (launched with noDebug)")

    def on_pause(self, args: dict[str, Any]) -> None:
        self._require_debug()
        self.debugger.request_pause()

    def _require_stopped(self) -> None:
        self._require_debug()
        if not self.debugger.is_stopped:
            raise RequestError("the spell is not stopped")

    def _resume(self, mode: str) -> None:
        self._require_stopped()
        self.debugger.resume(mode)

    def on_continue(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resume("continue")
        return {"allThreadsContinued": True}

    def on_next(self, args: dict[str, Any]) -> None:
        self._resume("next")

    def on_stepIn(self, args: dict[str, Any]) -> None:
        self._resume("stepIn")

    def on_stepOut(self, args: dict[str, Any]) -> None:
        self._resume("stepOut")

    def on_skipStep(self, args: dict[str, Any]) -> None:
        """Custom: at a stop before a workflow step, go on without running that step."""
        self._step_command(self.debugger.skip_step)

    def on_rerunStep(self, args: dict[str, Any]) -> None:
        """Custom: at a stop after a workflow step, run it again on its input state."""
        self._step_command(self.debugger.rerun_step)

    def _step_command(self, command: Callable[[], None]) -> None:
        self._require_stopped()
        try:
            command()
        except ValueError as exc:
            raise RequestError(str(exc)) from None

    def _stop_state(self) -> StepState | None:
        """The Step state scope of the stop under way, when it is a workflow step's."""
        payload = self.debugger.stop_payload
        if self.debugger.stop_kind not in WORKFLOW_STOPS or not isinstance(payload, dict):
            return None
        if self._step_state is None or self._step_state[0] is not payload:
            self._step_state = (payload, StepState(payload))
        return self._step_state[1]

    def _step_variables(self, fn: Any) -> Any:
        self._require_debug()
        state = self._stop_state()
        if state is None:
            raise RequestError("not stopped at a workflow step")
        try:
            return fn(state)
        except (ValueError, KeyError, IndexError) as exc:
            raise RequestError(str(exc)) from None

    # -- inspection ------------------------------------------------------------------------

    def _on_engine(self, fn: Any) -> Any:
        self._require_debug()
        try:
            return self.debugger.on_engine(fn)
        except RuntimeError as exc:
            raise RequestError(str(exc)) from None
        except ValueError as exc:
            raise RequestError(str(exc)) from None

    def on_stackTrace(self, args: dict[str, Any]) -> dict[str, Any]:
        frames = self._on_engine(lambda s: s.stack())
        start = int(args.get("startFrame") or 0)
        levels = int(args.get("levels") or 0)
        shown = frames[start : start + levels] if levels > 0 else frames[start:]
        return {"stackFrames": shown, "totalFrames": len(frames)}

    def on_scopes(self, args: dict[str, Any]) -> dict[str, Any]:
        frame_id = int(args.get("frameId", 1))

        def scopes(support: Any) -> list[dict[str, Any]]:
            if not any(frame["id"] == frame_id for frame in support.stack()):
                raise ValueError(f"no frame {frame_id}: ask stackTrace for the frames")
            return list(support.scopes(frame_id))

        found = self._on_engine(scopes)
        # At a workflow step stop, the state the step receives comes first.
        step = self._stop_state()
        return {"scopes": [step.scope(), *found] if step is not None else found}

    def on_variables(self, args: dict[str, Any]) -> dict[str, Any]:
        reference = int(args.get("variablesReference", 0))
        if StepState.owns(reference):
            return {"variables": self._step_variables(lambda s: s.variables(reference))}
        return {"variables": self._on_engine(lambda s: s.variables(reference))}

    def on_evaluate(self, args: dict[str, Any]) -> dict[str, Any]:
        expression = args.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise RequestError("evaluate needs an expression")
        frame_id = args.get("frameId")
        context = str(args.get("context") or "repl")
        result = self._on_engine(lambda s: s.evaluate(frame_id, expression, context))
        result.pop("truthy", None)
        return result

    def on_setVariable(self, args: dict[str, Any]) -> dict[str, Any]:
        reference = int(args.get("variablesReference", 0))
        name, value = args.get("name"), args.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            raise RequestError("setVariable needs a name and a value")
        if StepState.owns(reference):
            result = self._step_variables(lambda s: s.set_variable(reference, name, value))
        else:
            result = self._on_engine(lambda s: s.set_variable(reference, name, value))
        return {
            "value": result["value"],
            "type": result["type"],
            "variablesReference": result["variablesReference"],
        }


_WARM_MODULES = (
    "engines.host.session",
    "engines.runner",
    "engines.spell.loader",
    "engines.spell.params",
    "engines.store.runs",
    "engines.store.export",
    "engines.api.state_store",
    "engines.lua.adapter",
    "engines.lua.debug",
)


_warm_up_started = threading.Event()


def start_warm_up() -> None:
    """Import what a launch needs (not litellm) on a thread, while the client initializes and
    configures, so that launch → first output does not pay for it. Once per process."""
    if not _warm_up_started.is_set():
        _warm_up_started.set()
        threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()


def _warm_up() -> None:
    import importlib

    for name in _WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the launch will report it properly
            return
