"""Runtime representation of Tengo values.

Hot types use Python's own objects so generated code can work on them
directly: int (always kept in int64 range), float, str, bool, bytearray (bytes), list
(array), dict (map) and ``None`` (undefined).  The remaining Tengo types are
small classes defined here.  Compiled Tengo functions are plain Python
functions produced by the compiler.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Any

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1


def wrap_int(v: int) -> int:
    """Reduces an arbitrary Python int to Go int64 two's-complement range."""
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v > INT_MAX else v


class Char:
    """A Tengo char (a Unicode code point, Go rune = int32)."""

    __slots__ = ("v",)

    def __init__(self, v: int) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        # upstream: a char equals a char or an int with the same value
        t = type(other)
        return (t is Char and other.v == self.v) or (t is int and other == self.v)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.v)

    def __bool__(self) -> bool:
        return self.v != 0

    def __repr__(self) -> str:
        return f"Char({self.v})"


class TError:
    """A Tengo error value: ``error(payload)``."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return False  # error values are always falsy

    def __repr__(self) -> str:
        return f"TError({self.value!r})"


class ImmutableArray:
    """Read-only view of a list (``immutable([...])`` shares storage upstream)."""

    __slots__ = ("value",)

    def __init__(self, value: list) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"ImmutableArray({self.value!r})"


class ImmutableMap:
    __slots__ = ("value",)

    def __init__(self, value: dict) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"ImmutableMap({self.value!r})"


class Time:
    """A point in time: Unix nanoseconds plus a zone (offset seconds, name)."""

    __slots__ = ("ns", "offset", "zone")

    def __init__(self, ns: int, offset: int = 0, zone: str = "UTC") -> None:
        self.ns = ns
        self.offset = offset
        self.zone = zone

    def __eq__(self, other: object) -> bool:
        return type(other) is Time and other.ns == self.ns

    def __hash__(self) -> int:
        return hash(self.ns)

    def __bool__(self) -> bool:
        # Go's zero time (year 1) is falsy
        return self.ns != ZERO_TIME_NS

    def __repr__(self) -> str:
        return f"Time({self.ns}, {self.offset}, {self.zone!r})"


# Unix nanoseconds of Go's zero time.Time (0001-01-01 00:00:00 UTC).
ZERO_TIME_NS = -62135596800 * 1_000_000_000


class BuiltinFunction:
    """A builtin function value (``len``, ``append`` ...)."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name = name
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"<builtin-function:{self.name}>"


class UserFunction:
    """A host (Python) function exposed to Tengo; receives/returns Tengo values."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name = name
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"<user-function:{self.name}>"


FunctionType = types.FunctionType

_TYPE_NAMES: dict[type, str] = {
    int: "int",
    float: "float",
    str: "string",
    bool: "bool",
    bytearray: "bytes",
    list: "array",
    dict: "map",
    type(None): "undefined",
    Char: "char",
    TError: "error",
    ImmutableArray: "immutable-array",
    ImmutableMap: "immutable-map",
    Time: "time",
    FunctionType: "compiled-function",
    UserFunction: "user-function",
}


def type_name(v: Any) -> str:
    n = _TYPE_NAMES.get(type(v))
    if n is not None:
        return n
    if type(v) is BuiltinFunction:
        return "builtin-function:" + v.name
    tn = getattr(v, "tengo_type_name", None)
    if tn is not None:
        return tn
    return type(v).__name__


def python_type_to_tengo(name: str) -> str:
    """Maps a Python type name (from a TypeError message) to a Tengo type name."""
    for tp, tn in _TYPE_NAMES.items():
        if tp.__name__ == name:
            return tn
    return {"NoneType": "undefined", "BuiltinFunction": "builtin-function"}.get(name, name)


def format_float(f: float) -> str:
    """Go ``strconv.FormatFloat(f, 'f', -1, 64)``: shortest digits, no exponent."""
    if f != f:
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    r = repr(f)
    if "e" not in r and "E" not in r:
        return r[:-2] if r.endswith(".0") else r
    s = format(Decimal(r), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def go_quote(s: str) -> str:
    """Go ``strconv.Quote``."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= o <= 0xDCFF:  # raw byte kept via surrogateescape
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def bytes_to_str(b: bytes | bytearray) -> str:
    return b.decode("utf-8", "surrogateescape")


def str_to_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def str_len(s: str) -> int:
    """Byte length of a Tengo string (Go strings are UTF-8 bytes)."""
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogateescape"))


def char_str(v: int) -> str:
    try:
        return chr(v) if not 0xD800 <= v <= 0xDFFF else "\ufffd"
    except (ValueError, OverflowError):
        return "\ufffd"


def to_str(v: Any) -> str:
    """Upstream ``Object.String()``."""
    tp = type(v)
    if tp is str:
        return go_quote(v)
    if tp is int:
        return str(v)
    if tp is bool:
        return "true" if v else "false"
    if tp is float:
        return format_float(v)
    if v is None:
        return "<undefined>"
    if tp is list:
        return "[" + ", ".join(to_str(x) for x in v) + "]"
    if tp is dict:
        return "{" + ", ".join(f"{k}: {to_str(x)}" for k, x in v.items()) + "}"
    if tp is Char:
        return char_str(v.v)
    if tp is bytearray:
        return bytes_to_str(v)
    if tp is ImmutableArray:
        return "[" + ", ".join(to_str(x) for x in v.value) + "]"
    if tp is ImmutableMap:
        return "{" + ", ".join(f"{k}: {to_str(x)}" for k, x in v.value.items()) + "}"
    if tp is TError:
        return "error: " + to_str(v.value)
    if tp is Time:
        from .timefmt import time_string

        return time_string(v)
    if tp is FunctionType:
        return "<compiled-function>"
    if tp is BuiltinFunction:
        return "<builtin-function>"
    if tp is UserFunction:
        return "<user-function>"
    return str(v)


def to_plain_str(v: Any) -> str:
    """Upstream ``ToString``: strings are not quoted."""
    return v if type(v) is str else to_str(v)
