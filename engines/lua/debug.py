"""The Lua side of the debugger: the engine-specific `DebugSupport` over engines/lua/debug.lua.

Line events are only hooked while some breakpoint exists or a step is under way; the hook
filters them by line number before any Lua or Python runs (in C: engines/lua/linehook.py).
Python keeps Lua values only as opaque handles and learns about them through helper calls
that report back: lupa misreads fields of Lua tables while a coroutine runs, but calls and
arguments are sound.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

from engines.host.debug_support import EngineDebugSupport, condition_error, frame_entry
from engines.host.debugger import Debugger, Terminated

_DEBUG_LUA = resources.files("engines.lua").joinpath("debug.lua").read_text(encoding="utf-8")
_SCOPES = ("locals", "upvalues", "globals")


class LuaDebugSupport(EngineDebugSupport):
    def __init__(self, engine: Any, debugger: Debugger) -> None:
        super().__init__(engine, debugger, engine.spell_dir)
        runtime = engine.runtime
        loader = runtime.execute(
            "local source = ...; return assert(load(source, '=[debug]', 't'))", _DEBUG_LUA
        )
        helpers = loader(engine.lua_engine, self._on_line)
        # Fetched once, here, outside any coroutine (see the module docstring).
        self._configure = helpers.configure
        self._depth = helpers.depth
        self._stack = helpers.stack
        self._variables = helpers.variables
        self._eval = helpers.eval
        self._assign = helpers.assign
        self._key_of = helpers.key_of
        self._set_field = helpers.set_field
        self._table_from = runtime.table_from

    # -- events from Lua -------------------------------------------------------------------

    def _on_line(self, chunkname: str, line: int) -> str | None:
        try:
            self._debugger.on_line(self.path_of(chunkname), line)
        except Terminated:
            return str(self._engine.terminate())
        return None

    # -- DebugSupport ----------------------------------------------------------------------

    def configure(self, line_hooks: bool, lines: set[int]) -> None:
        every_line = self._debugger.wants_every_line
        self._configure(line_hooks, self._table_from({line: True for line in lines}), every_line)

    def depth(self) -> int:
        return int(self._depth())

    def stack(self) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = []

        def report(index: int, name: str, chunkname: str, line: int) -> None:
            frames.append(frame_entry(index, name, self.path_of(chunkname), line))

        self._stack(report)
        return frames

    def scopes(self, frame_id: int) -> list[dict[str, Any]]:
        return self._scopes(frame_id, _SCOPES)

    def variables(self, reference: int) -> list[dict[str, Any]]:
        handle = self._lookup(reference)
        found: list[dict[str, Any]] = []
        if handle[0] == "scope":
            self._variables(handle[2], handle[1], self._collector(found))
        else:
            self._variables("table", handle[1], self._collector(found))
        return found

    def _collector(self, found: list[dict[str, Any]]) -> Callable[..., None]:
        def report(name: str, value: Any, kind: str, rendered: str) -> None:
            spec = ("table", value) if kind == "table" else None
            found.append(self._variable_entry(name, rendered, kind, spec))

        return report

    def evaluate(self, frame_id: int | None, expression: str, context: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        values: list[Any] = []
        collect = self._collector(found)

        def report(name: str, value: Any, kind: str, rendered: str) -> None:
            values.append(value)
            collect(name, value, kind, rendered)

        ok, error = self._eval(frame_id or 1, expression, context == "repl", report)
        if not ok:
            quiet = condition_error(context, error)
            if quiet is not None:
                return quiet
            raise ValueError(str(error))
        first = values[0] if values else None
        return {
            "result": ", ".join(v["value"] for v in found) if found else "nil",
            "type": found[0]["type"] if found else "nil",
            "variablesReference": found[0]["variablesReference"] if found else 0,
            "truthy": first is not None and first is not False,
        }

    def set_variable(self, reference: int, name: str, value: str) -> dict[str, Any]:
        handle = self._lookup(reference)
        frame_id = handle[1] if handle[0] == "scope" else 1
        found: list[dict[str, Any]] = []
        values: list[Any] = []

        def report(_name: str, new: Any, kind: str, rendered: str) -> None:
            values.append(new)
            self._collector(found)(name, new, kind, rendered)

        ok, error = self._eval(frame_id, value, False, report)
        if not ok:
            raise ValueError(str(error))
        new_value = values[0] if values else None
        if handle[0] == "scope":
            if not self._assign(frame_id, handle[2], name, new_value):
                raise ValueError(f"no variable {name!r} in {handle[2]}")
        else:
            self._set_field(handle[1], self._key_of(handle[1], name), new_value)
        return found[0] if found else self._variable_entry(name, "nil", "nil")
