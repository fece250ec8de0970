"""Values between JavaScript and Python.

Values cross as JSON text with a few tagged objects (a one-key marker `"\\u0000"`) for what
JSON cannot say. From JavaScript: integral numbers within ±(2**53 - 1) become `int`, other
numbers `float` (NaN and infinities included), BigInts `int`; arrays (and typed arrays, Sets)
become lists; plain objects (and Maps) dicts with string keys; `null` and `undefined` None;
Dates ISO-8601 strings; functions `JSCallable`s. From Python: ints beyond ±(2**53 - 1) become
BigInts, so they come back exactly; dict keys become strings (JavaScript keys are); tuples
arrays; callables JavaScript functions. Cycles are an error on either side, not a hang.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engines.errors import ApiError

if TYPE_CHECKING:
    from engines.javascript.adapter import JavaScriptEngine

TAG = "\x00"
MAX_SAFE_INTEGER = 2**53 - 1
_MAX_DEPTH = 200


class JSCallable:
    """A JavaScript function held by Python (an event handler, a hook, a workflow step)."""

    __slots__ = ("_engine", "id", "name", "__weakref__")

    def __init__(self, engine: JavaScriptEngine, id: int, name: str = "function") -> None:
        self._engine = engine
        self.id = id
        self.name = name

    def __call__(self, *args: Any) -> Any:
        return self._engine.call_function(self.id, list(args))

    def __del__(self) -> None:
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.release_function(self.id)

    def __repr__(self) -> str:
        return f"<JavaScript {self.name}>"


class Converter:
    """Encodes Python values for the wire and decodes what JavaScript sends."""

    def __init__(self, engine: JavaScriptEngine, register_python: Callable[[Any], int]) -> None:
        self._engine = engine
        self._register_python = register_python

    # -- JavaScript -> Python --------------------------------------------------------------

    def loads(self, text: str) -> Any:
        return json.loads(text, object_hook=self._revive)

    def _revive(self, obj: dict[str, Any]) -> Any:
        if TAG not in obj:
            return obj
        kind = obj[TAG]
        if kind == "n":
            return float(obj["v"])
        if kind == "i":
            return int(obj["v"])
        if kind == "f":
            return JSCallable(self._engine, int(obj["i"]))
        if kind == "o":
            return {key: value for key, value in obj["e"]}
        raise ApiError(f"unknown value tag {kind!r}")

    # -- Python -> JavaScript --------------------------------------------------------------

    def dumps(self, value: Any) -> str:
        return json.dumps(self.wire(value), ensure_ascii=False, separators=(",", ":"))

    def wire(self, value: Any, depth: int = 0, path: set[int] | None = None) -> Any:
        """A JSON-ready form of `value`, with tagged markers where JSON falls short."""
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                return value
            return {TAG: "i", "v": str(value)}
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            return {
                TAG: "n",
                "v": "NaN" if math.isnan(value) else repr(value).replace("inf", "Infinity"),
            }
        if isinstance(value, JSCallable):
            return {TAG: "f", "i": value.id}
        if isinstance(value, dict | list | tuple):
            if depth > _MAX_DEPTH:
                raise ApiError(f"value nested deeper than {_MAX_DEPTH} levels")
            path = set() if path is None else path
            if id(value) in path:
                raise ApiError("value contains a cycle (a table that contains itself)")
            path.add(id(value))
            try:
                if isinstance(value, dict):
                    result: dict[str, Any] = {}
                    for key, item in value.items():
                        if isinstance(key, bool) or not isinstance(key, str | int | float):
                            raise ApiError(
                                f"object keys must be strings or numbers, not {type(key).__name__}"
                            )
                        result[key if isinstance(key, str) else _key(key)] = self.wire(
                            item, depth + 1, path
                        )
                    if TAG in result:
                        return {TAG: "o", "e": [[k, v] for k, v in result.items()]}
                    return result
                return [self.wire(item, depth + 1, path) for item in value]
            finally:
                path.discard(id(value))
        if callable(value):
            return {TAG: "p", "i": self._register_python(value)}
        raise ApiError(f"a Python {type(value).__name__} has no JavaScript form")


def _key(key: int | float) -> str:
    """The property name JavaScript gives a numeric key (3 -> "3", 1.5 -> "1.5")."""
    if isinstance(key, float) and key.is_integer() and abs(key) <= MAX_SAFE_INTEGER:
        return str(int(key))
    return str(key)
