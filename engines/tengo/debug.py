"""The Tengo side of the debugger: the engine-specific `DebugSupport` for engines/host/debugger.

Under a debugger the spell is compiled with `line_hook`: before every statement the
generated Python tests a flag for its line and calls `_line_hook(file, line)` only when it is
set (the breakpoint lines, or every line while stepping; see debug_poke). Pause comes through
`debug_poke` too (the watchdog sets every flag, even the one `for {}` tests), which also
brings breakpoints set while running into force.

Tengo functions are Python functions and Tengo variables are Python locals with unique names
(`count_2`), so frames and variables are read from the Python frames of the compiled unit,
through `debug_index`. Frames are walked on the engine thread only (the core guarantees it).
"""

from __future__ import annotations

import ctypes
import sys
from types import FrameType
from typing import Any

from engines.host.debug_support import EngineDebugSupport, condition_error, frame_entry
from engines.host.debugger import Debugger, Terminated
from engines.tengo.debug_index import UnitIndex, tengo_name
from engines.tengo.debug_poke import Poker
from engines.tengo.debug_values import container_entries, is_container, render
from engines.tengo.errors import TengoError
from engines.tengo.ops import truthy
from engines.tengo.values import ImmutableArray, ImmutableMap, type_name

_RESULT = "__debug_result__"
_LocalsToFast = ctypes.pythonapi.PyFrame_LocalsToFast
_LocalsToFast.argtypes = [ctypes.py_object, ctypes.c_int]
_LocalsToFast.restype = None


class TengoDebugSupport(EngineDebugSupport):
    def __init__(self, engine: Any, debugger: Debugger) -> None:
        super().__init__(engine, debugger, engine.spell_dir)
        self.hook = self._on_line
        self.poker = Poker()
        self._index: UnitIndex | None = None
        self._filename: str | None = None
        self._mode: tuple[bool, set[int]] = (False, set())
        self._last: tuple[Any, int, int, str] = (None, 0, 0, "")
        self._evaluating = False
        self._frames: list[FrameType] | None = None
        self._frozen: list[FrameType] | None = None
        # The last error seen leaving Tengo code, with the frames it went through.
        self._error: tuple[BaseException, list[FrameType]] | None = None
        self._touched: list[FrameType] = []
        self._compiled: dict[tuple[str, tuple[str, ...]], Any] = {}

    def bind(self, script: Any) -> None:
        """Called once the spell is compiled (with `self.hook` as its line hook)."""
        self._filename = script.filename
        self._index = UnitIndex(script.unit)
        self.poker.use(script.line_flags)
        # The script forgets an error's traceback once it has read its Tengo frames; the
        # debugger wants the frames themselves (with their variables) for an exception stop.
        script.on_error = self._record_error
        self.configure(*self._mode)

    def _record_error(self, exc: BaseException) -> None:
        frames = self._frames_of(exc)
        seen = self._error
        if seen is not None and (exc is seen[0] or exc.__context__ is seen[0]):
            # Back from a callback: its frames are the innermost.
            frames = seen[1] + frames
        self._error = (exc, frames)

    def _frames_of(self, exc: BaseException) -> list[FrameType]:
        frames = []
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._filename:
                frames.append(tb.tb_frame)
            tb = tb.tb_next
        frames.reverse()
        return frames

    # -- events from the spell --------------------------------------------------------------

    def _on_line(self, file: str, line: int) -> None:
        if self._evaluating:
            return
        frame = sys._getframe(1)  # the hook's caller: the spell's own code
        poker = self.poker
        if poker.pending:  # poked: look for a pause and for new breakpoints
            poker.settle()
            if line not in poker.watch or self._debugger.terminating:
                self._on_poke(frame)
                return
            self._debugger.refresh()  # on_line below stops for a pause
        elif line not in poker.watch:
            return  # a flag left over from a poke settled since
        generated = frame.f_lineno
        last_frame, last_line, last_generated, last_file = self._last
        self._last = (frame, line, generated, file)
        if (
            frame is last_frame
            and line == last_line
            and generated > last_generated
            and file == last_file
        ):
            return  # another statement of the line just seen (a line is reported once)
        self._frames = None
        try:
            self._debugger.on_line(self.path_of(file), line)
        except Terminated:
            raise self._engine.terminated() from None

    def _on_poke(self, frame: FrameType) -> None:
        if self._evaluating or frame.f_code.co_filename != self._filename:
            return  # only between the spell's own statements, never inside the API
        self._frames = None
        try:
            self._debugger.check_pause()
        except Terminated:
            self._engine.terminated()
            self._engine.interrupt()

    def stop_on_error(self, filter_name: str, message: str) -> None:
        """After an uncaught error (or a limit) unwound the spell: stop with its frames."""
        error, self._error = self._error, None
        if filter_name not in self._debugger.state.exception_filters:
            return
        self._frozen = error[1] if error is not None else []
        try:
            self._debugger.on_exception(filter_name, message, message)
        except Terminated:
            self._engine.terminated()
        finally:
            self._frozen = None

    # -- DebugSupport ----------------------------------------------------------------------

    def configure(self, line_hooks: bool, lines: set[int]) -> None:
        self._mode = (line_hooks, set(lines))
        if not line_hooks:
            self.poker.set_watch(set())
        elif self._debugger.wants_every_line:
            self.poker.set_watch(self._index.hook_lines if self._index else set())
        else:
            self.poker.set_watch(lines)

    def depth(self) -> int:
        filename = self._filename
        depth = 0
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == filename:
                depth += 1
            frame = frame.f_back
        return depth

    def release(self) -> None:
        super().release()
        self._frames = None
        self._forget()

    def _forget(self) -> None:
        """Drop the locals snapshots taken from frames: they hold references, and compiled
        code appends to an array in place only while nothing else refers to it."""
        for frame in self._touched:
            frame.f_locals.clear()
        self._touched.clear()

    def _spell_frames(self) -> list[FrameType]:
        if self._frozen is not None:
            return self._frozen
        if self._frames is None:
            frames = []
            frame: FrameType | None = sys._getframe(1)
            while frame is not None:
                if frame.f_code.co_filename == self._filename:
                    frames.append(frame)
                frame = frame.f_back
            self._frames = frames
        return self._frames

    def _frame(self, frame_id: int | None) -> FrameType | None:
        frames = self._spell_frames()
        index = (frame_id or 1) - 1
        if not frames:
            return None
        if not 0 <= index < len(frames):
            raise ValueError(f"no frame {frame_id}")
        return frames[index]

    def _location(self, frame: FrameType) -> tuple[str, int]:
        assert self._index is not None
        locations = self._index.location
        line = frame.f_lineno
        where = locations[line] if 0 <= line < len(locations) else None
        return where or ("?", 0)

    def stack(self) -> list[dict[str, Any]]:
        if self._index is None:
            return []  # a hook point fired before the spell was compiled (run_start)
        frames = []
        for index, frame in enumerate(self._spell_frames(), 1):
            file, line = self._location(frame)
            info = self._index.function(frame.f_code)
            name = info.name if info else frame.f_code.co_name
            frames.append(frame_entry(index, name, self.path_of(file), line))
        return frames

    def scopes(self, frame_id: int) -> list[dict[str, Any]]:
        frame = self._frame(frame_id)
        names = ["locals"]
        if frame is not None and frame.f_code.co_name.startswith("_f"):
            names.append("globals")
        return self._scopes(frame_id, names)

    def _main_frame(self) -> FrameType | None:
        for frame in reversed(self._spell_frames()):
            if frame.f_code.co_name == "_main":
                return frame
        return None

    def _variables_of(self, frame: FrameType | None) -> dict[str, tuple[int, str, Any]]:
        """Tengo name -> (number, Python name, value) of the variables in scope in a frame;
        of two with the same name, the later-defined one (the inner one) wins."""
        if frame is None:
            return {}
        assert self._index is not None
        index = self._index
        code, line = frame.f_code, frame.f_lineno
        values = frame.f_locals
        self._touched.append(frame)
        found: dict[str, tuple[int, str, Any]] = {}
        for mangled, value in values.items():
            parsed = tengo_name(mangled)
            if parsed is None or not index.visible(code, line, mangled):
                continue
            name, number = parsed
            if name in found and found[name][0] > number:
                continue
            if mangled in index.boxed and type(value) is list and len(value) == 1:
                value = value[0]
            found[name] = (number, mangled, value)
        return found

    def _scope(self, frame: FrameType | None, scope: str) -> dict[str, tuple[int, str, Any]]:
        own = self._variables_of(frame)
        main = self._main_frame()
        if frame is None or main is None or frame is main:
            return own if scope == "locals" else {}
        main_names = set(main.f_code.co_varnames) | set(main.f_code.co_cellvars)
        if scope == "globals":
            return self._variables_of(main)
        return {n: v for n, v in own.items() if v[1] not in main_names}

    def variables(self, reference: int) -> list[dict[str, Any]]:
        handle = self._lookup(reference)
        if handle[0] == "scope":
            found = self._scope(self._frame(handle[1]), handle[2])
            ordered = sorted(found.items(), key=lambda item: item[1][0])
            return [self._entry(name, value) for name, (_, _, value) in ordered]
        return [self._entry(name, value) for name, value in container_entries(handle[1])]

    def _entry(self, name: str, value: Any) -> dict[str, Any]:
        spec = ("value", value) if is_container(value) else None
        return self._variable_entry(name, render(value, self._index), type_name(value), spec)

    # -- evaluate and set ------------------------------------------------------------------

    def evaluate(self, frame_id: int | None, expression: str, context: str) -> dict[str, Any]:
        try:
            value = self._evaluate(frame_id, expression, statements=context == "repl")
        except (TengoError, ValueError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            quiet = condition_error(context, message)
            if quiet is not None:
                return quiet
            raise ValueError(message) from None
        finally:
            if not self._debugger.is_stopped:
                self._forget()
        entry = self._entry("", value)
        return {
            "result": entry["value"],
            "type": entry["type"],
            "variablesReference": entry["variablesReference"],
            "truthy": truthy(value),
        }

    def _evaluate(self, frame_id: int | None, expression: str, statements: bool) -> Any:
        """Runs `expression` (or, in the repl, statements) as Tengo with the frame's
        variables and the globals predeclared; variables it assigns are written back."""
        frame = self._frame(frame_id) if self._filename else None
        main = self._main_frame() if frame is not None else None
        scope: dict[str, tuple[FrameType, str, Any]] = {}
        for source_frame in (main, frame):
            for name, (_, mangled, value) in self._variables_of(source_frame).items():
                scope[name] = (source_frame, mangled, value)  # type: ignore[assignment]
        values = {name: value for name, (_, _, value) in scope.items()}
        try:
            result = self._run(f"{_RESULT} := ({expression})", values)
        except TengoError:
            if not statements:
                raise
            result = self._run(expression, values)
        for name, after in result.items():
            if name in scope and after is not values[name]:
                owner, mangled, _ = scope[name]
                self._write(owner, mangled, after)
        return result.get(_RESULT)

    def _run(self, source: str, values: dict[str, Any]) -> dict[str, Any]:
        key = (source, tuple(values))
        script = self._compiled.get(key)
        if script is None:
            script = self._engine.compile_eval(source, values)
            self._compiled[key] = script
        script.globals = values
        self._evaluating = True
        try:
            return dict(script.run())
        finally:
            self._evaluating = False

    def _write(self, frame: FrameType, mangled: str, value: Any) -> None:
        assert self._index is not None
        current = frame.f_locals.get(mangled)
        self._touched.append(frame)
        if mangled in self._index.boxed and type(current) is list and len(current) == 1:
            current[0] = value  # the box closures share
            return
        frame.f_locals[mangled] = value
        _LocalsToFast(frame, 0)

    def set_variable(self, reference: int, name: str, value: str) -> dict[str, Any]:
        handle = self._lookup(reference)
        frame_id = handle[1] if handle[0] == "scope" else 1
        new = self._evaluate(frame_id, value, statements=False)
        if handle[0] == "scope":
            found = self._scope(self._frame(frame_id), handle[2]).get(name)
            if found is None:
                raise ValueError(f"no variable {name!r} in {handle[2]}")
            frame = self._frame(frame_id)
            if handle[2] == "globals":
                frame = self._main_frame()
            assert frame is not None
            self._write(frame, found[1], new)
        else:
            _set_field(handle[1], name, new)
        return self._entry(name, new)


def _set_field(container: Any, name: str, value: Any) -> None:
    if isinstance(container, (ImmutableArray, ImmutableMap)):
        raise ValueError("the value is immutable")
    if isinstance(container, list):
        try:
            container[int(name.strip("[]"))] = value
        except (ValueError, IndexError):
            raise ValueError(f"no element {name} in the array") from None
    elif isinstance(container, dict):
        container[name] = value
    else:
        raise ValueError("only arrays and maps have fields to set")
