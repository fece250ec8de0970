"""The JavaScript side of the debugger: the engine-specific `DebugSupport` over debug.js.

A debugged spell runs an instrumented copy of its source (engines/javascript/instrument.py):
a hook before each statement filters in JavaScript — a byte per line in a SharedArrayBuffer
that this class writes (the breakpoints), the step mode and depth, and an attention word —
and crosses to the host only when a line needs it. The host's thread sets the attention word
every time it looks up from waiting (~20 ms) while the spell runs, so a pause request, or a
breakpoint set while running, reaches even a `while (true) {}` (its test is hooked).

When the core stops, V8's thread is blocked in the bridge, waiting for the answer to the
hook's request; the core's questions (stack, variables, evaluate) are sent to it as answers
of a kind the prelude hands to debug.js, which replies and waits again, until the stop ends
and the hook's request is answered. Frames are the shadow stack debug.js keeps; variables are
read and assigned through accessors the instrumenter writes into each scope (no direct eval
in the spell, which would keep V8 from optimising it); debug.js evaluates over them.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, NoReturn

from engines.errors import LimitExceeded
from engines.host.debug_support import EngineDebugSupport, condition_error, frame_entry
from engines.host.debugger import Debugger, Terminated

_DEBUG_JS = resources.files("engines.javascript").joinpath("debug.js").read_text(encoding="utf-8")
# Its frames are left out of spell errors' stack traces, as the prelude's are.
_DEBUG_NAME = "[prelude]/debug.js"
# The core's step modes as debug.js filters them (1: every line, 2: over, 3: out).
_MODES = {None: 0, "entry": 1, "in": 1, "over": 2, "out": 3}
_SCOPES = ("Locals", "Closure", "Globals")


class JsDebugSupport(EngineDebugSupport):
    def __init__(self, engine: Any, debugger: Debugger) -> None:
        super().__init__(engine, debugger, engine.spell_dir)
        buffer = engine._racer.eval(f"{_DEBUG_JS}\n//# sourceURL={_DEBUG_NAME}\n")
        memory = memoryview(buffer)
        self._ctl = memory[:32].cast("i")
        self._lines = memory[32:]
        self._marked: set[int] = set()
        self._sites: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._path = self.path_of("main.js")
        self._depth: int | None = None  # from the hook's message, while it is being handled
        self._stops = 0
        self._querying = 0
        self._codes: list[int] | None = None

    def instrument(self, source: str, chunkname: str) -> str:
        """The source V8 runs: instrumented, unless it does not parse (V8 then says why)."""
        from engines.javascript.instrument import instrument

        self._path = self.path_of(chunkname)
        result = instrument(source, chunkname)
        if result is None:
            return source
        self._sites = result.sites
        return result.source

    # -- events from the spell ---------------------------------------------------------------

    def on_message(self, message: list[Any]) -> None:
        """A hook's request: a line that needs the core, or an error nothing will catch."""
        kind, line, depth = message[1], int(message[2]), int(message[3])
        self._depth = depth
        try:
            if kind == "line":
                before = self._stops
                if message[4]:
                    self._debugger.check_pause()  # a pause, or new breakpoints
                if self._stops == before:
                    self._debugger.on_line(self._path, line)
            elif kind == "exception":
                name, text = str(message[4]), str(message[5])
                full = text if name in ("", "Error") else f"{name}: {text}"
                self._debugger.on_exception("error", full, full)
        except Terminated:
            raise self._terminated() from None
        finally:
            self._depth = None

    def end_run(self) -> NoReturn:
        """The end of a run the client terminated at a semantic or exception stop."""
        raise self._terminated()

    def _terminated(self) -> LimitExceeded:
        """The client ended the run: end it like a limit, which the spell cannot catch."""
        limit = LimitExceeded("terminated", "terminated by the client")
        self._engine.limit_error = limit
        self._engine.ctx.cancel("terminated by the client", limit="terminated")
        return limit

    def poll(self) -> bool:
        """Called by the host's thread each time it looks up from waiting for the spell:
        asks the next hook to come by. False while answering the core's questions: that time
        does not count against the run's time limit."""
        if self._querying:
            return False
        self._ctl[0] = 1
        self._lines[0] = 1  # after the word: the hook that sees this byte sees the word
        return True

    # -- DebugSupport ------------------------------------------------------------------------

    def configure(self, line_hooks: bool, lines: set[int]) -> None:
        # The step under way, so the hook filters by depth in JavaScript: that spares a
        # crossing per line while stepping over a call.
        step_mode, step_depth = self._debugger.step_under_way
        mode = _MODES.get(step_mode, 1)
        if not line_hooks:
            mode, lines = 0, set()
        self._ctl[2] = step_depth
        self._ctl[1] = mode
        if mode:
            self._lines[0] = 1  # every hook looks (debug.js clears it after a stop)
        size = len(self._lines)
        wanted = {line for line in lines if 0 < line < size}
        for line in self._marked - wanted:
            self._lines[line] = 0
        for line in wanted - self._marked:
            self._lines[line] = 1
        self._marked = wanted

    def depth(self) -> int:
        if self._depth is not None:
            return self._depth
        if not self._spell_waits():
            return 0
        return int(self._query("depth"))

    def release(self) -> None:
        super().release()
        self._stops += 1
        self._codes = None

    def stack(self) -> list[dict[str, Any]]:
        if not self._spell_waits():
            return []  # a hook point fired before the spell started (run_start)
        frames = self._query("stack")
        self._codes = [int(code) for _name, code in frames]
        return [
            frame_entry(index, name, self._path, int(code) >> 6)
            for index, (name, code) in enumerate(frames, 1)
        ]

    def scopes(self, frame_id: int) -> list[dict[str, Any]]:
        return self._scopes(frame_id, _SCOPES)

    def variables(self, reference: int) -> list[dict[str, Any]]:
        handle = self._lookup(reference)
        if handle[0] == "js":
            entries = self._query("children", handle[1])
        elif handle[2] == "Globals":
            entries = self._query("globals")
        else:
            entries = self._query("vars", handle[1], list(self._names(handle[1], handle[2])))
        return [self._variable(*entry) for entry in entries]

    def evaluate(self, frame_id: int | None, expression: str, context: str) -> dict[str, Any]:
        try:
            text, kind, ref, truthy = self._query("eval", frame_id or 1, expression)
        except ValueError as exc:
            quiet = condition_error(context, exc)
            if quiet is not None:
                return quiet
            raise
        return {
            "result": text,
            "type": kind,
            "variablesReference": self._handle(("js", ref)) if ref else 0,
            "truthy": bool(truthy),
        }

    def set_variable(self, reference: int, name: str, value: str) -> dict[str, Any]:
        handle = self._lookup(reference)
        if handle[0] == "js":
            entry = self._query("setChild", handle[1], name, value)
        elif handle[2] == "Globals":
            entry = self._query("setGlobal", name, value)
        else:
            if name not in self._names(handle[1], handle[2]):
                raise ValueError(f"no variable {name!r} in {handle[2].lower()}")
            entry = self._query("set", handle[1], name, value)
        return self._variable(name, *entry)

    # -- helpers -----------------------------------------------------------------------------

    def _names(self, frame_id: int, scope: str) -> tuple[str, ...]:
        if self._codes is None:
            self.stack()
        assert self._codes is not None
        if not 0 < frame_id <= len(self._codes):
            raise ValueError(f"no frame {frame_id}")
        names = self._sites.get(self._codes[frame_id - 1], ((), ()))
        return names[0] if scope == "Locals" else names[1]

    def _variable(self, name: str, text: str, kind: str, ref: int) -> dict[str, Any]:
        return self._variable_entry(name, text, kind, ("js", ref) if ref else None)

    def _spell_waits(self) -> bool:
        """Whether V8 waits in one of the spell's requests (a hook's, an API call), the only
        time debug.js can answer; not at a hook point fired before the spell starts."""
        return bool(self._engine._depth > 0)

    def _query(self, *message: Any) -> Any:
        """Ask debug.js (blocked in a request, on V8's thread) and wait for its answer,
        serving any API call the question makes (an evaluated `state.get(...)`)."""
        engine = self._engine
        if not self._spell_waits():
            raise ValueError("no JavaScript frame is running")
        self._querying += 1
        try:
            engine._send(["dbg", *message])
            while True:
                reply = engine.converter.loads(engine._receive())
                if reply[0] == "dres":
                    if len(reply) > 2:
                        raise ValueError(str(reply[2]))
                    return reply[1]
                engine._serve_one(reply)
        finally:
            self._querying -= 1
