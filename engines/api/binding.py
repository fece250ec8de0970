"""Binds the declared API to the Python services: one checked callable per declared function.

Engine adapters call these callables with Python values (already converted from the engine)
and get Python values back. Argument checking lives here, once, so every engine reports a
bad call with the same words: `bad argument #1 'path' to 'state.get' (string expected, got
number)`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from engines.api.declarations import API, Function, Module
from engines.errors import ApiError


def type_name(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | dict):
        return "table"
    if callable(value):
        return "function"
    return type(value).__name__


def _coerce(expected: str, value: Any) -> tuple[bool, Any]:
    """(ok, value) — value possibly adjusted (3.0 → 3 for integers, {} → [] for arrays)."""
    if expected == "any":
        return True, value
    if expected == "string":
        return isinstance(value, str), value
    if expected == "boolean":
        return isinstance(value, bool), value
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool), value
    if expected == "integer":
        # Whole floats within the 64-bit range an engine integer (and SQLite) can hold.
        if isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**63:
            return True, int(value)
        return isinstance(value, int) and not isinstance(value, bool), value
    if expected == "object":
        return isinstance(value, dict), value
    if expected == "array":
        if value == {}:
            return True, []
        return isinstance(value, list), value
    if expected == "function":
        return callable(value), value
    raise AssertionError(f"unknown declared type {expected}")


# Types accepted without any conversion, per declared type (None: always take the slow path).
_EXACT: dict[str, frozenset[type] | None] = {
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "integer": frozenset({int}),
    "boolean": frozenset({bool}),
    "object": frozenset({dict}),
    "any": frozenset({str, int, float, bool, dict, list, type(None)}),
}


def make_caller(module: Module, decl: Function, method: Callable[..., Any]) -> Callable[..., Any]:
    qualname = f"{module.name}.{decl.name}"
    params = decl.params

    # The common case costs one type test per argument: every parameter given, each already
    # of exactly its declared type (Lua and JS hand over str, int, float, bool, dict, list).
    # Trailing optional parameters may be left off: the methods default them to None.
    exact = tuple(_EXACT.get(p.type) for p in params)
    count = len(params)
    least = max((i + 1 for i, p in enumerate(params) if not p.optional), default=0)

    def call(*args: Any) -> Any:
        if least <= len(args) <= count:
            for value, kinds in zip(args, exact, strict=False):
                if kinds is None or type(value) not in kinds:
                    break
            else:
                return method(*args)
        if len(args) > len(params):
            # Engines pad calls with trailing nils; only real extra values are an error.
            if any(a is not None for a in args[len(params) :]):
                raise ApiError(f"{qualname} takes at most {len(params)} arguments, got {len(args)}")
            args = args[: len(params)]
        # Left-off parameters reach the method as None (nil), so a required `any` parameter
        # that was not given is nil rather than a Python TypeError; optional ones default
        # to None in every service.
        checked = list(args) + [None] * (len(params) - len(args))
        for index, param in enumerate(params):
            value = args[index] if index < len(args) else None
            if value is None:
                if not param.optional and param.type != "any":
                    raise ApiError(
                        f"bad argument #{index + 1} '{param.name}' to '{qualname}' "
                        f"({param.type} expected, got nil)"
                    )
                continue
            ok, value = _coerce(param.type, value)
            if not ok:
                raise ApiError(
                    f"bad argument #{index + 1} '{param.name}' to '{qualname}' "
                    f"({param.type} expected, got {type_name(value)})"
                )
            checked[index] = value
        return method(*checked)

    call.__name__ = qualname
    call.__doc__ = decl.doc
    return call


def method_param_names(method: Callable[..., Any]) -> tuple[str, ...]:
    explicit = getattr(method, "__api_params__", None)
    if explicit is not None:
        return tuple(explicit)
    return tuple(inspect.signature(method).parameters)


def bind(services: dict[str, Any]) -> Iterator[tuple[Module, Function, Callable[..., Any]]]:
    """Every declared function with its checked caller, for the modules present in `services`."""
    for mod in API:
        service = services.get(mod.name)
        if service is None:
            continue
        for decl in mod.functions:
            yield mod, decl, make_caller(mod, decl, getattr(service, decl.name))
