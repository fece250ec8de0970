"""Tengo's builtin functions (``len``, ``append``, ``format`` ...).

Each builtin is a plain Python function taking Tengo values positionally.  The
compiler calls them directly (``_b_len(x)``) when the name is not shadowed;
used as a value they are wrapped in :class:`BuiltinFunction`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import ops
from .errors import TengoRuntimeError
from .gofmt import go_sprintf
from .values import (
    BuiltinFunction,
    Char,
    FunctionType,
    ImmutableArray,
    ImmutableMap,
    TError,
    Time,
    UserFunction,
    str_len,
    str_to_bytes,
    to_plain_str,
    type_name,
    wrap_int,
)


def wrong_args(name: str) -> TengoRuntimeError:
    return TengoRuntimeError(f"wrong number of arguments in call to 'builtin-function:{name}'")


def bad_arg(fn: str, arg: str, expected: str, found: Any) -> TengoRuntimeError:
    return TengoRuntimeError(
        f"invalid type for argument '{arg}' in call to 'builtin-function:{fn}': "
        f"expected {expected}, found {type_name(found)}"
    )


def b_len(*args: Any) -> int:
    if len(args) != 1:
        raise wrong_args("len")
    v = args[0]
    t = type(v)
    if t is list or t is dict or t is bytearray:
        return len(v)
    if t is str:
        return str_len(v)
    if t is ImmutableArray or t is ImmutableMap:
        return len(v.value)
    raise bad_arg("len", "first", "array/string/bytes/map", v)


def b_copy(*args: Any) -> Any:
    if len(args) != 1:
        raise wrong_args("copy")
    return ops.deep_copy(args[0])


def b_append(*args: Any) -> Any:
    if len(args) < 2:
        raise wrong_args("append")
    a = args[0]
    if type(a) is list:
        return a + list(args[1:])
    if type(a) is ImmutableArray:
        return a.value + list(args[1:])
    raise bad_arg("append", "first", "array", a)


def b_delete(*args: Any) -> None:
    if len(args) != 2:
        raise wrong_args("delete")
    m, k = args
    if type(m) is not dict:
        raise bad_arg("delete", "first", "map", m)
    if type(k) is not str:
        raise bad_arg("delete", "second", "string", k)
    m.pop(k, None)
    return None


def b_splice(*args: Any) -> Any:
    if not args:
        raise wrong_args("splice")
    a = args[0]
    if type(a) is not list:
        raise bad_arg("splice", "first", "array", a)
    n = len(a)
    start = 0
    if len(args) > 1:
        start = args[1]
        if type(start) is not int:
            raise bad_arg("splice", "second", "int", start)
        if start < 0 or start > n:
            raise TengoRuntimeError("index out of bounds")
    count = n - start
    if len(args) > 2:
        count = args[2]
        if type(count) is not int:
            raise bad_arg("splice", "third", "int", count)
        if count < 0:
            raise TengoRuntimeError("index out of bounds")
    end = min(start + count, n)
    removed = a[start:end]
    a[start:end] = list(args[3:])
    return removed


def b_type_name(*args: Any) -> str:
    if len(args) != 1:
        raise wrong_args("type_name")
    return type_name(args[0])


def _conv(name: str, args: tuple, fn: Callable[[Any], Any]) -> Any:
    if not 1 <= len(args) <= 2:
        raise wrong_args(name)
    v = fn(args[0])
    if v is _FAIL:
        return args[1] if len(args) == 2 else None
    return v


_FAIL = object()


def _to_string(v: Any) -> Any:
    if v is None:
        return _FAIL
    s = to_plain_str(v)
    if str_len(s) > ops.LIMITS.max_string_len:
        raise TengoRuntimeError("exceeding string size limit")
    return s


def _parse_go_int(s: str) -> Any:
    t = s
    if t[:1] in "+-":
        t = t[1:]
    if not t.isdigit() or not t.isascii():
        return _FAIL
    v = int(s)
    if not -(1 << 63) <= v < (1 << 63):
        return _FAIL
    return v


def _to_int(v: Any) -> Any:
    t = type(v)
    if t is int:
        return v
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            return -(1 << 63)
        return wrap_int(int(v))
    if t is str:
        return _parse_go_int(v)
    if t is bool:
        return 1 if v else 0
    if t is Char:
        return v.v
    return _FAIL


def _parse_go_float(s: str) -> Any:
    from .parser import parse_float_literal

    t = s.strip()
    if t != s or not t:
        return _FAIL
    body = t[1:] if t[0] in "+-" else t
    low = body.lower()
    if low in ("inf", "infinity", "nan"):
        return float(t)
    v: float | None
    try:
        v = parse_float_literal(body) if not body.isdigit() else float(body)
    except ValueError:
        try:
            v = (
                float(int(body.replace("_", ""), 0))
                if body[:2].lower() in ("0x", "0b", "0o")
                else None
            )
        except ValueError:
            v = None
        if v is None:
            return _FAIL
    return -v if t[0] == "-" else v


def _to_float(v: Any) -> Any:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if t is str:
        return _parse_go_float(v)
    return _FAIL


def _to_char(v: Any) -> Any:
    t = type(v)
    if t is Char:
        return v
    if t is int:
        return Char(((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31))
    if t is str:
        if len(v) == 1:
            return Char(ord(v))
        return _FAIL
    return _FAIL


def _to_bytes(v: Any) -> Any:
    t = type(v)
    if t is bytearray:
        return v  # upstream shares the byte slice too
    if t is str:
        b = str_to_bytes(v)
        if len(b) > ops.LIMITS.max_bytes_len:
            raise TengoRuntimeError("exceeding bytes size limit")
        return bytearray(b)
    if t is int:
        if v > ops.LIMITS.max_bytes_len:
            raise TengoRuntimeError("exceeding bytes size limit")
        return bytearray(max(v, 0))
    return _FAIL


def _to_time(v: Any) -> Any:
    t = type(v)
    if t is Time:
        return v
    if t is int:
        return Time(v * 1_000_000_000)
    return _FAIL


def b_string(*a: Any) -> Any:
    return _conv("string", a, _to_string)


def b_int(*a: Any) -> Any:
    return _conv("int", a, _to_int)


def b_float(*a: Any) -> Any:
    return _conv("float", a, _to_float)


def b_char(*a: Any) -> Any:
    return _conv("char", a, _to_char)


def b_bytes(*a: Any) -> Any:
    return _conv("bytes", a, _to_bytes)


def b_time(*a: Any) -> Any:
    return _conv("time", a, _to_time)


def b_bool(*a: Any) -> Any:
    if len(a) != 1:
        raise wrong_args("bool")
    return ops.truthy(a[0])


def _pred(name: str, test: Callable[[Any], bool]) -> Callable[..., bool]:
    def fn(*args: Any) -> bool:
        if len(args) != 1:
            raise wrong_args(name)
        return test(args[0])

    fn.__name__ = "b_" + name
    return fn


def _is_callable(v: Any) -> bool:
    """Script functions, builtins, host functions and host objects that are
    Python callables (but not classes)."""
    t = type(v)
    if t is FunctionType or t is BuiltinFunction or t is UserFunction:
        return True
    return callable(v) and not isinstance(v, type)


PREDICATES = {
    "is_int": lambda v: type(v) is int,
    "is_float": lambda v: type(v) is float,
    "is_string": lambda v: type(v) is str,
    "is_bool": lambda v: type(v) is bool,
    "is_char": lambda v: type(v) is Char,
    "is_bytes": lambda v: type(v) is bytearray,
    "is_array": lambda v: type(v) is list,
    "is_immutable_array": lambda v: type(v) is ImmutableArray,
    "is_map": lambda v: type(v) is dict,
    "is_immutable_map": lambda v: type(v) is ImmutableMap,
    "is_iterable": lambda v: type(v) in (list, dict, ImmutableArray, ImmutableMap, str, bytearray),
    "is_time": lambda v: type(v) is Time,
    "is_error": lambda v: type(v) is TError,
    "is_undefined": lambda v: v is None,
    "is_function": lambda v: type(v) is FunctionType,
    "is_callable": _is_callable,
}


def b_format(*args: Any) -> str:
    if not args:
        raise wrong_args("format")
    f = args[0]
    if type(f) is not str:
        raise bad_arg("format", "format", "string", f)
    s = go_sprintf(f, list(args[1:]))
    if str_len(s) > ops.LIMITS.max_string_len:
        raise TengoRuntimeError("exceeding string size limit")
    return s


def b_range(*args: Any) -> list:
    if not 2 <= len(args) <= 3:
        raise wrong_args("range")
    start, stop = args[0], args[1]
    step = args[2] if len(args) == 3 else 1
    if type(start) is not int:
        raise bad_arg("range", "start", "int", start)
    if type(stop) is not int:
        raise bad_arg("range", "stop", "int", stop)
    if type(step) is not int:
        raise bad_arg("range", "step", "int", step)
    if step <= 0:
        raise TengoRuntimeError("range step must be greater than 0")
    if start <= stop:
        return list(range(start, stop, step))
    return list(range(start, stop, -step))


def b_freeze(*args: Any) -> Any:
    if len(args) != 1:
        raise wrong_args("freeze")
    return ops.freeze(args[0])


BUILTINS: dict[str, Callable[..., Any]] = {
    "len": b_len,
    "copy": b_copy,
    "append": b_append,
    "delete": b_delete,
    "splice": b_splice,
    "string": b_string,
    "int": b_int,
    "bool": b_bool,
    "float": b_float,
    "char": b_char,
    "bytes": b_bytes,
    "time": b_time,
    "type_name": b_type_name,
    "format": b_format,
    "range": b_range,
    "freeze": b_freeze,
}
for _name, _test in PREDICATES.items():
    BUILTINS[_name] = _pred(_name, _test)

BUILTIN_VALUES = {name: BuiltinFunction(name, fn) for name, fn in BUILTINS.items()}
