"""Conversion between Tengo values and plain Python objects.

``to_python``: int->int, float->float, string->str, bytes (a bytearray:
mutable in place like upstream's byte slices) -> bytes,
array/immutable-array->list, map/immutable-map->dict, bool->bool,
undefined->None, char->str (one character), error->:class:`TengoErrorValue`,
time->datetime; functions are returned unchanged.

``from_python`` is the inverse (tuples become arrays, other objects are
passed through untouched so host objects can travel through scripts).
"""

from __future__ import annotations

import datetime as _dt
import types as _types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .values import (
    BuiltinFunction,
    Char,
    ImmutableArray,
    ImmutableMap,
    TError,
    Time,
    UserFunction,
    char_str,
    wrap_int,
)


@dataclass
class TengoErrorValue:
    """Python view of a Tengo ``error(...)`` value."""

    value: Any


def to_python(v: Any) -> Any:
    t = type(v)
    if t in (int, float, str, bool) or v is None:
        return v
    if t is bytearray:
        return bytes(v)
    if t is list:
        return [to_python(x) for x in v]
    if t is dict:
        return {k: to_python(x) for k, x in v.items()}
    if t is ImmutableArray:
        return [to_python(x) for x in v.value]
    if t is ImmutableMap:
        return {k: to_python(x) for k, x in v.value.items()}
    if t is Char:
        return char_str(v.v)
    if t is TError:
        return TengoErrorValue(to_python(v.value))
    if t is Time:
        tz = _dt.timezone(_dt.timedelta(seconds=v.offset))
        return _dt.datetime.fromtimestamp(v.ns / 1e9, tz)
    return v


def from_python(obj: Any) -> Any:
    t = type(obj)
    if t is bool or t is float or t is str or obj is None:
        return obj
    if t is bytes or t is bytearray:
        return bytearray(obj)  # a copy: the script may change it in place
    if t is int:
        return wrap_int(obj)
    if isinstance(obj, (list, tuple)):
        return [from_python(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): from_python(x) for k, x in obj.items()}
    if isinstance(obj, TengoErrorValue):
        return TError(from_python(obj.value))
    if isinstance(obj, _dt.datetime):
        off = obj.utcoffset()
        secs = int(off.total_seconds()) if off is not None else 0
        ns = int(obj.timestamp()) * 1_000_000_000 + obj.microsecond * 1000
        return Time(ns, secs, obj.tzname() or "UTC")
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytearray(obj)
    if t is Char or t is TError or t is Time or t is ImmutableArray or t is ImmutableMap:
        return obj
    if isinstance(obj, _types.FunctionType) and obj.__code__.co_filename.startswith("<tengo-"):
        return obj  # a compiled Tengo function travelling through the host
    if callable(obj) and not isinstance(obj, (UserFunction, BuiltinFunction, type)):
        return UserFunction(getattr(obj, "__name__", "host"), obj)
    return obj


def host_module(name: str, members: Any) -> Any:
    """Builds an importable module value from ``{name: value or callable}``.

    Python callables are wrapped as user functions; they receive Tengo values
    and must return Tengo values (use :func:`from_python` / :func:`to_python`).
    """
    if isinstance(members, ImmutableMap):
        return members
    out: dict[str, Any] = {}
    for k, v in members.items():
        if isinstance(v, UserFunction):
            out[k] = v
        elif callable(v) and not isinstance(v, type):
            out[k] = UserFunction(f"{name}.{k}", v)
        else:
            out[k] = from_python(v)
    return ImmutableMap(out)


def user_function(name: str, fn: Callable[..., Any]) -> UserFunction:
    """Exposes ``fn`` (taking and returning Tengo values) as a Tengo function."""
    return UserFunction(name, fn)


def python_function(fn: Callable[..., Any], name: str | None = None) -> UserFunction:
    """Exposes a plain-Python ``fn``: arguments go through :func:`to_python`,
    the result through :func:`from_python`."""

    def call(*args: Any) -> Any:
        return from_python(fn(*(to_python(a) for a in args)))

    return UserFunction(name or str(getattr(fn, "__name__", "host")), call)
