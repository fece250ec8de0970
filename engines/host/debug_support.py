"""What the engines' debug layers share, whatever the language: the `DebugSupport` half that
does not touch a runtime (variable-reference handles, real paths of spell files, the DAP
shapes of frames, scopes and variables, a broken condition's answer), and the wiring of the
run context's semantic and exception stops to the debugger core (engines/host/debugger.py).

Each engine subclasses `EngineDebugSupport` for the part that reads its own runtime (frames,
variables, evaluation). Nothing here imports an engine, nor Qt.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engines.errors import LimitExceeded
from engines.host.debugger import Debugger, Terminated


def frame_entry(index: int, name: str, path: str, line: int) -> dict[str, Any]:
    """One DAP stack frame of a spell file."""
    source = {"name": os.path.basename(path), "path": path}
    return {"id": index, "name": name, "source": source, "line": line, "column": 1}


def condition_error(context: str, message: object) -> dict[str, Any] | None:
    """The answer to an evaluation that failed, when it was a breakpoint's condition or log
    message: a broken condition must not stop the spell, so it reads as false. None when the
    error should reach the client."""
    if context in ("condition", "log"):
        return {"result": f"<error: {message}>", "truthy": False, "variablesReference": 0}
    return None


class EngineDebugSupport:
    """Base of an engine's `DebugSupport`: the engine, the core, and the handles behind the
    `variablesReference` numbers handed out during one stop (cleared by `release`)."""

    def __init__(self, engine: Any, debugger: Debugger, spell_dir: str | os.PathLike[str]) -> None:
        self._engine = engine
        self._debugger = debugger
        self._spell_dir = Path(spell_dir)
        self._handles: dict[int, tuple[Any, ...]] = {}
        self._real_paths: dict[str, str] = {}

    def path_of(self, file: str) -> str:
        """The real path of a spell file named relative to the spell's folder (cached: the
        line hook asks for it on every stop)."""
        path = self._real_paths.get(file)
        if path is None:
            path = os.path.realpath(self._spell_dir / file)
            self._real_paths[file] = path
        return path

    def release(self) -> None:
        self._handles.clear()

    def _scopes(self, frame_id: int, names: Iterable[str]) -> list[dict[str, Any]]:
        """DAP scopes of a frame; each one's handle is ("scope", frame_id, name)."""
        return [
            {
                "name": name.capitalize(),
                "presentationHint": "locals" if name.lower() == "locals" else None,
                "variablesReference": self._handle(("scope", frame_id, name)),
                "expensive": False,
            }
            for name in names
        ]

    def _variable_entry(
        self, name: str, rendered: str, kind: str, spec: tuple[Any, ...] | None = None
    ) -> dict[str, Any]:
        """One DAP variable; `spec`, for a value with children, becomes its handle."""
        reference = self._handle(spec) if spec is not None else 0
        return {"name": name, "value": rendered, "type": kind, "variablesReference": reference}

    def _handle(self, spec: tuple[Any, ...]) -> int:
        reference = len(self._handles) + 1
        self._handles[reference] = spec
        return reference

    def _lookup(self, reference: int) -> tuple[Any, ...]:
        handle = self._handles.get(reference)
        if handle is None:
            raise ValueError(f"unknown variables reference {reference}")
        return handle


class DebugStops:
    """The run context's `semantic_stop` and `exception_stop` under a debugger, for any engine.

    `end_run` ends the run when the client terminates it at such a stop (it may raise the
    engine's own uncatchable error itself). `hop`, when given, is asked first whether the
    call came from a thread other than the engine's; it then runs the stop on the engine
    thread (a stop inspects the runtime, which only that thread may touch) and says True.
    """

    def __init__(
        self,
        debugger: Debugger,
        end_run: Callable[[], object],
        hop: Callable[..., bool] | None = None,
    ) -> None:
        self._debugger = debugger
        self._end_run = end_run
        self._hop = hop

    def wire(self, ctx: Any) -> None:
        ctx.semantic_stop = self.semantic
        ctx.exception_stop = self.exception

    def semantic(self, kind: str, name: str | None, description: str, payload: Any = None) -> None:
        """Before a hook point, an LLM call, a tool, a workflow step (called by services):
        the core stops there when a function breakpoint or a step asks for it."""
        if self._hop is not None and self._hop(self.semantic, kind, name, description, payload):
            return
        try:
            self._debugger.on_semantic(kind, name, description, payload)
            return
        except Terminated:
            pass
        self._end_run()
        # Not a catchable API error: the run ends, like a limit.
        raise LimitExceeded("terminated", "terminated by the client")

    def exception(self, filter_name: str, message: str) -> None:
        """Where an LLM call or a tool fails, or the spell fails or hits a limit: the core
        stops there when the client asked for that exception filter."""
        if self._hop is not None and self._hop(self.exception, filter_name, message):
            return
        try:
            self._debugger.on_exception(filter_name, message, message)
            return
        except Terminated:
            pass
        self._end_run()
