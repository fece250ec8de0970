"""The debugger core, the same for every engine: breakpoints, stepping, pause, and the
stop/resume handshake between the protocol thread and the engine thread.

An engine runs its spell on the engine thread and calls `on_line` (when line events are on),
`check_pause` (from its interrupt check), `on_exception` and `on_semantic` (before an LLM call,
a tool, a workflow step, a hook point). When one of them decides to stop, the engine thread
blocks in `_stop`, serving the protocol thread's questions (stack, variables, evaluate) there,
since an engine runtime may only be touched from its own thread, until a resume command.
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# What a DAP function breakpoint may name, alone (every one) or as `kind:NAME` (that one): an
# LLM call (NAME: the model), a tool, a workflow step, an agent run, a hook point.
SEMANTIC_KINDS = ("llm", "tool", "step", "agent", "hook")

EXCEPTION_FILTERS = [
    {"filter": "error", "label": "Uncaught script errors", "default": False},
    {"filter": "llm_error", "label": "LLM errors", "default": False},
    {"filter": "tool_error", "label": "Tool errors", "default": False},
    {"filter": "budget", "label": "Budget or limit exceeded", "default": False},
]


# Semantic stops of a workflow: before a step (reason `function breakpoint` for `step` or
# `step:NAME`, `step` when stepping) and after one (reason `step`, kind `step_done`).
WORKFLOW_STOPS = ("step", "step_done")


class DebugSupport(Protocol):
    """What an engine provides for inspection while stopped (called on the engine thread)."""

    def stack(self) -> list[dict[str, Any]]: ...
    def scopes(self, frame_id: int) -> list[dict[str, Any]]: ...
    def variables(self, reference: int) -> list[dict[str, Any]]: ...
    def evaluate(self, frame_id: int | None, expression: str, context: str) -> dict[str, Any]: ...
    def set_variable(self, reference: int, name: str, value: str) -> dict[str, Any]: ...
    def depth(self) -> int: ...
    def release(self) -> None: ...
    def configure(self, line_hooks: bool, lines: set[int]) -> None: ...


@dataclass
class Breakpoint:
    id: int
    path: str
    line: int
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None
    hits: int = 0

    def to_dap(self) -> dict[str, Any]:
        return {"id": self.id, "verified": True, "line": self.line, "source": {"path": self.path}}


@dataclass
class FunctionBreakpoint:
    id: int
    name: str
    condition: str | None = None


@dataclass
class _Resume:
    mode: str  # continue, next, stepIn, stepOut, terminate


class Terminated(Exception):
    """Raised on the engine thread when the client terminates a stopped run."""


_HIT = re.compile(r"^\s*(==|>=|>|<=|<|%)?\s*(\d+)\s*$")


def hit_condition_met(condition: str | None, hits: int) -> bool:
    """DAP leaves the syntax to the adapter: `N` or `==N` (exactly the Nth hit), `>=N`, `>N`,
    `<N`, `<=N`, and `%N` (every Nth hit)."""
    if not condition:
        return True
    match = _HIT.match(condition)
    if not match:
        return True
    op, n = match.group(1) or "==", int(match.group(2))
    return {
        "==": hits == n,
        ">=": hits >= n,
        ">": hits > n,
        "<=": hits <= n,
        "<": hits < n,
        "%": n > 0 and hits % n == 0,
    }[op]


@dataclass
class _StepState:
    mode: str | None = None  # None, "in", "over", "out", "entry"
    depth: int = 0


@dataclass
class DebugState:
    """Everything the protocol thread configures; read by the engine thread."""

    breakpoints: dict[str, dict[int, Breakpoint]] = field(default_factory=dict)
    function_breakpoints: dict[str, FunctionBreakpoint] = field(default_factory=dict)
    exception_filters: set[str] = field(default_factory=set)


class Debugger:
    def __init__(self, send_event: Callable[[str, dict[str, Any]], None]) -> None:
        self._send_event = send_event
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.state = DebugState()
        self._step = _StepState()
        self._pause_requested = False
        self._commands: queue.Queue[Any] = queue.Queue()
        self._stopped = threading.Event()
        self.support: DebugSupport | None = None
        self._dirty = True
        self.terminating = False
        # The stop under way: its kind ("step", "step_done", "llm"... or None for a line) and
        # payload, which a workflow step stop's requests change (see WORKFLOW_STOPS).
        self.stop_kind: str | None = None
        self.stop_payload: Any = None
        # `next` at a stop after a workflow step: stop before the next step, wherever it is.
        self._next_step = False
        # Told how long each stop lasted, so a run's time limit leaves out the time stopped.
        self.clock_shift: Callable[[float], None] = lambda seconds: None

    # -- configuration (protocol thread) ---------------------------------------------------

    def set_breakpoints(self, path: str, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self._lock:
            old = self.state.breakpoints.get(path, {})
            fresh: dict[int, Breakpoint] = {}
            for spec in specs:
                line = int(spec.get("line", 0))
                previous = old.get(line)
                fresh[line] = Breakpoint(
                    previous.id if previous else next(self._ids),
                    path,
                    line,
                    spec.get("condition") or None,
                    spec.get("hitCondition") or None,
                    spec.get("logMessage") or None,
                    previous.hits if previous else 0,
                )
            if fresh:
                self.state.breakpoints[path] = fresh
            else:
                self.state.breakpoints.pop(path, None)
            self._dirty = True
            return [bp.to_dap() for bp in fresh.values()]

    def set_function_breakpoints(self, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Semantic breakpoints, one per spec in order; a name that is none of SEMANTIC_KINDS
        (alone or as `kind:NAME`) comes back unverified, saying which names there are."""
        with self._lock:
            self.state.function_breakpoints = {}
            answers: list[dict[str, Any]] = []
            for spec in specs:
                name = str(spec.get("name", "")).strip()
                kind = name.partition(":")[0]
                if kind not in SEMANTIC_KINDS:
                    answers.append(
                        {
                            "id": next(self._ids),
                            "verified": False,
                            "message": f"unknown semantic breakpoint {name!r}: use "
                            + ", ".join(f"{k} or {k}:NAME" for k in SEMANTIC_KINDS),
                        }
                    )
                    continue
                bp = FunctionBreakpoint(next(self._ids), name, spec.get("condition") or None)
                self.state.function_breakpoints[name] = bp
                answers.append({"id": bp.id, "verified": True})
            return answers

    def set_exception_filters(self, filters: list[str]) -> None:
        known = {f["filter"] for f in EXCEPTION_FILTERS}
        self.state.exception_filters = {f for f in filters if f in known}

    def request_pause(self) -> None:
        self._pause_requested = True
        self._dirty = True

    def stop_on_entry(self) -> None:
        self._step = _StepState("entry", 0)
        self._dirty = True

    @property
    def wants_every_line(self) -> bool:
        """True while a step is under way: then every line goes to `on_line`."""
        return self._step.mode is not None

    @property
    def step_under_way(self) -> tuple[str | None, int]:
        """The step's mode (None, "in", "over", "out", "entry") and the depth it started at,
        for an engine that filters lines by depth itself before calling `on_line`."""
        return self._step.mode, self._step.depth

    @property
    def is_stopped(self) -> bool:
        return self._stopped.is_set()

    def resume(self, mode: str) -> None:
        """continue / next / stepIn / stepOut / terminate, from the protocol thread."""
        if mode == "terminate":
            self.terminating = True
        self._commands.put(_Resume(mode))

    def on_engine(self, fn: Callable[[DebugSupport], Any], timeout: float = 10.0) -> Any:
        """Run `fn(support)` on the engine thread while it is stopped, and return its result."""
        if not self._stopped.is_set():
            raise RuntimeError("the spell is not stopped")
        done: queue.Queue[tuple[bool, Any]] = queue.Queue()
        self._commands.put((fn, done))
        ok, value = done.get(timeout=timeout)
        if not ok:
            raise value
        return value

    # -- engine thread ---------------------------------------------------------------------

    def attach(self, support: DebugSupport) -> None:
        self.support = support
        self.refresh()

    def refresh(self) -> None:
        """Bring the engine's hooks in line with breakpoints and stepping, when they changed."""
        if not self._dirty or self.support is None:
            return
        self._dirty = False
        lines = {line for bps in self.state.breakpoints.values() for line in bps}
        stepping = self._step.mode is not None
        self.support.configure(stepping or bool(lines), lines)

    def check_pause(self) -> None:
        """Called from the engine's periodic interrupt check."""
        if self._stopped.is_set():
            return  # the engine's own helpers run while stopped; they never stop again
        if self.terminating:
            raise Terminated()
        if self._pause_requested:
            self._pause_requested = False
            self._stop("pause", "Paused")
        self.refresh()

    def on_line(self, path: str, line: int) -> None:
        """A line is about to run; stop there when a breakpoint or a step says so."""
        if self._stopped.is_set():
            return
        if self._pause_requested:
            self._pause_requested = False
            self._stop("pause", "Paused")
            return
        bp = self.state.breakpoints.get(path, {}).get(line)
        if bp is not None and self._breakpoint_hits(bp):
            self._stop("breakpoint", f"Breakpoint at line {line}", hit_ids=[bp.id])
            return
        step = self._step
        if step.mode is None:
            return
        if step.mode == "entry":
            self._stop("entry", "Stopped on entry")
        elif step.mode == "in":
            self._stop("step", "Step")
        else:
            assert self.support is not None
            depth = self.support.depth()
            if (step.mode == "over" and depth <= step.depth) or (
                step.mode == "out" and depth < step.depth
            ):
                self._stop("step", "Step")

    def _breakpoint_hits(self, bp: Breakpoint) -> bool:
        assert self.support is not None
        if bp.condition:
            result = self.support.evaluate(0, bp.condition, "condition")
            if not result.get("truthy", False):
                return False
        bp.hits += 1
        if not hit_condition_met(bp.hit_condition, bp.hits):
            return False
        if bp.log_message:
            self._send_event(
                "output",
                {
                    "category": "console",
                    "output": self._interpolate(bp.log_message) + "\n",
                    "source": {"path": bp.path},
                    "line": bp.line,
                },
            )
            return False
        return True

    def _interpolate(self, message: str) -> str:
        assert self.support is not None
        support = self.support

        def value(match: re.Match[str]) -> str:
            result = support.evaluate(0, match.group(1), "log")
            return str(result.get("result", ""))

        return re.sub(r"\{([^{}]+)\}", value, message)

    def on_exception(self, filter_name: str, description: str, text: str = "") -> None:
        if filter_name in self.state.exception_filters:
            self._stop("exception", description, text=text)

    def on_semantic(
        self, kind: str, name: str | None, description: str, payload: Any = None
    ) -> None:
        """Before an LLM call, a tool, a workflow step or a hook point: a function breakpoint
        named `kind` or `kind:name` stops here, and the stopped event carries the payload."""
        if self._stopped.is_set():
            return  # called by an expression evaluated while stopped: never stop again
        if kind in WORKFLOW_STOPS and self._workflow_stop_due(kind, payload):
            self._stop("step", description, payload=payload, kind=kind)
            return
        breakpoints = self.state.function_breakpoints
        bp = breakpoints.get(f"{kind}:{name}") if name else None
        bp = bp or breakpoints.get(kind)
        if bp is None:
            return
        condition_fails = (
            bp.condition is not None
            and self.support is not None
            and not self.support.evaluate(0, bp.condition, "condition").get("truthy", False)
        )
        if condition_fails:
            return
        self._stop("function breakpoint", description, hit_ids=[bp.id], payload=payload, kind=kind)

    def _workflow_stop_due(self, kind: str, payload: Any) -> bool:
        """Stepping through a workflow: after a step the client stepped over (its payload says
        `stop`), and before the next step after a `next` there."""
        if kind == "step_done":
            return isinstance(payload, dict) and bool(payload.get("stop"))
        return self._next_step

    def skip_step(self) -> None:
        """At a stop before a workflow step: resume, skipping that step."""
        if self.stop_kind != "step" or not isinstance(self.stop_payload, dict):
            raise ValueError("skipStep needs a stop before a workflow step")
        self.stop_payload["skip"] = True
        self.resume("continue")

    def rerun_step(self) -> None:
        """At a stop after a workflow step: run it again, on its (maybe edited) input state,
        and stop after it again."""
        if self.stop_kind != "step_done" or not isinstance(self.stop_payload, dict):
            raise ValueError("rerunStep needs a stop after a workflow step (`next` at a step stop)")
        self.stop_payload["rerun"] = True
        self.resume("continue")

    def _stop(
        self,
        reason: str,
        description: str,
        *,
        text: str = "",
        hit_ids: list[int] | None = None,
        payload: Any = None,
        kind: str | None = None,
    ) -> None:
        if self.terminating:
            raise Terminated()
        assert self.support is not None
        self._step = _StepState()
        body: dict[str, Any] = {
            "reason": reason,
            "description": description,
            "threadId": 1,
            "allThreadsStopped": True,
        }
        if text:
            body["text"] = text
        if hit_ids:
            body["hitBreakpointIds"] = hit_ids
        if kind is not None:
            body["llmspell"] = {"kind": kind, "payload": payload}
        self._next_step = False
        self.stop_kind, self.stop_payload = kind, payload
        self._stopped.set()
        stopped_at = time.monotonic()
        self._send_event("stopped", body)
        try:
            resume = self._serve()
        finally:
            self._stopped.clear()
            self.stop_kind = self.stop_payload = None
            self.support.release()
            self.clock_shift(time.monotonic() - stopped_at)
        if resume.mode == "terminate":
            raise Terminated()
        if kind in WORKFLOW_STOPS and resume.mode == "next":
            # Step over the workflow step: stop after it (then before the next one).
            if kind == "step" and isinstance(payload, dict):
                payload["stop_after"] = True
            else:
                self._next_step = True
            resume = _Resume("continue")
        depth = self.support.depth() if resume.mode in ("next", "stepOut") else 0
        self._step = _StepState(
            {"continue": None, "next": "over", "stepIn": "in", "stepOut": "out"}[resume.mode], depth
        )
        self._dirty = True
        self.refresh()
        self._send_event("continued", {"threadId": 1, "allThreadsContinued": True})

    def _serve(self) -> _Resume:
        assert self.support is not None
        while True:
            command = self._commands.get()
            if isinstance(command, _Resume):
                return command
            fn, done = command
            try:
                done.put((True, fn(self.support)))
            except Exception as exc:  # the answer to one request; the stop goes on
                done.put((False, exc))
