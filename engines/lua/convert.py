"""Values between Lua and Python.

Lua tables whose keys are exactly 1..n (holes allowed, as long as the table stays mostly
dense) become lists; other tables become dicts; the empty table becomes an empty dict (an
API parameter declared as an array accepts it as []). Integers and floats stay apart, as
Lua 5.4 keeps them. Functions cross both ways: a Lua function reaches Python as a callable
that converts its arguments and results, and a Python callable reaches Lua as a Lua
function. Cycles are an error, not a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lupa import lua54

from engines.errors import ApiError

lua_type = lua54.lua_type

# Past this depth a table is checked for a cycle before we go on converting it.
_DEPTH_CHECK = 64
_MAX_DEPTH = 200


class LuaCallable:
    """A Lua function held by Python (an event handler, a hook, a workflow step)."""

    __slots__ = ("_fn", "_converter", "name")

    def __init__(self, fn: Any, converter: Converter, name: str = "function") -> None:
        self._fn = fn
        self._converter = converter
        self.name = name

    def __call__(self, *args: Any) -> Any:
        branches = self._converter.branches
        if branches is not None and branches.off_engine():
            # From a parallel workflow branch's thread: Lua runs on the engine thread only.
            return branches.call_lua(self._fn, args)
        to_lua = self._converter.to_lua
        result = self._fn(*[to_lua(a) for a in args])
        if isinstance(result, tuple):
            result = result[0] if result else None
        return self._converter.to_python(result)

    def __repr__(self) -> str:
        return f"<Lua {self.name}>"


class Converter:
    def __init__(self, runtime: lua54.LuaRuntime, wrap_python: Callable[[Any], Any]) -> None:
        self._runtime = runtime
        self._table_from = runtime.table_from
        self._wrap_python = wrap_python
        # The engine's LuaBranches (engines/lua/branches.py), once it has one.
        self.branches: Any = None
        self._has_cycle = runtime.eval(_HAS_CYCLE_LUA)

    # -- Lua -> Python ---------------------------------------------------------------------

    def to_python(self, value: Any, depth: int = 0) -> Any:
        if value is None or isinstance(value, str | int | float | bool | bytes):
            return value
        kind = lua_type(value)
        if kind == "table":
            return self._table(value, depth)
        if kind == "function":
            return LuaCallable(value, self)
        if isinstance(value, LuaCallable):
            return value
        raise ApiError(f"a Lua {kind or type(value).__name__} cannot be passed to the API")

    def _table(self, table: Any, depth: int) -> Any:
        if depth == _DEPTH_CHECK and self._has_cycle(table):
            raise ApiError("table contains a cycle (a table that contains itself)")
        if depth > _MAX_DEPTH:
            raise ApiError(f"table nested deeper than {_MAX_DEPTH} levels")
        items = list(table.items())
        if not items:
            return {}
        to_python = self.to_python
        if all(type(k) is int and k > 0 for k, _ in items):
            top = max(k for k, _ in items)
            if top <= 2 * len(items):
                values: list[Any] = [None] * top
                for key, item in items:
                    values[key - 1] = to_python(item, depth + 1)
                return values
        result: dict[Any, Any] = {}
        for key, item in items:
            if not isinstance(key, str | int | float):
                raise ApiError(
                    f"table keys must be strings or numbers, not {lua_type(key) or type(key).__name__}"
                )
            result[key] = to_python(item, depth + 1)
        return result

    # -- Python -> Lua ---------------------------------------------------------------------

    def to_lua(self, value: Any) -> Any:
        if value is None or isinstance(value, str | int | float | bool | bytes):
            return value
        if isinstance(value, LuaCallable):
            return value._fn
        if isinstance(value, dict | list | tuple):
            if _plain(value):
                return self._table_from(value, recursive=True)
            return self._container(value)
        if callable(value):
            return self._wrap_python(value)
        raise ApiError(f"a Python {type(value).__name__} has no Lua form")

    def _container(self, value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> Any:
        # Built in one table_from call: setting fields from Python goes wrong in coroutines.
        if isinstance(value, dict):
            return self._table_from({key: self.to_lua(item) for key, item in value.items()})
        return self._table_from([self.to_lua(item) for item in value])


def _plain(value: Any) -> bool:
    """True when lupa's own recursive conversion gives the right result (JSON-like data)."""
    if isinstance(value, dict):
        return all(isinstance(k, str | int) and _plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


_HAS_CYCLE_LUA = """
function(root)
  local on_path = {}
  local function walk(t)
    if on_path[t] then return true end
    on_path[t] = true
    for _, v in next, t do
      if type(v) == "table" and walk(v) then return true end
    end
    on_path[t] = nil
    return false
  end
  return walk(root)
end
"""
