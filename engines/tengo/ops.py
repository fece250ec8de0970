"""Tengo operator semantics (the slow paths behind the generated code).

Generated code handles the common int/int cases inline and calls these
helpers for everything else; they implement upstream's full rules and raise
:class:`TengoRuntimeError` with upstream's messages.
"""

from __future__ import annotations

import threading
from typing import Any

from .errors import TengoRuntimeError
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
    to_plain_str,
    type_name,
    wrap_int,
)

_MASK32 = 0xFFFFFFFF

# Per-run limits, set by the script runner.
DEFAULT_LIMIT = 2147483647


class _Limits(threading.local):
    """String/bytes size limits of the script running in this thread."""

    max_string_len = DEFAULT_LIMIT
    max_bytes_len = DEFAULT_LIMIT


LIMITS = _Limits()


def set_limits(max_string_len: int, max_bytes_len: int) -> tuple[int, int]:
    """Sets this thread's limits; returns the previous ones."""
    old = (LIMITS.max_string_len, LIMITS.max_bytes_len)
    LIMITS.max_string_len = max_string_len
    LIMITS.max_bytes_len = max_bytes_len
    return old


def _wrap32(v: int) -> int:
    v &= _MASK32
    return v - (1 << 32) if v > 0x7FFFFFFF else v


def invalid_op(op: str, a: Any, b: Any) -> TengoRuntimeError:
    return TengoRuntimeError(f"invalid operation: {type_name(a)} {op} {type_name(b)}")


def _check_str(s: str) -> str:
    limit = LIMITS.max_string_len
    if len(s) > limit and str_len(s) > limit:
        raise TengoRuntimeError("exceeding string size limit")
    return s


def _check_bytes(b: bytearray) -> bytearray:
    if len(b) > LIMITS.max_bytes_len:
        raise TengoRuntimeError("exceeding bytes size limit")
    return b


def _int_op(op: str, a: int, b: int) -> Any:
    if op == "+":
        return wrap_int(a + b)
    if op == "-":
        return wrap_int(a - b)
    if op == "*":
        return wrap_int(a * b)
    if op == "/":
        if b == 0:
            raise TengoRuntimeError("division by zero")
        q = abs(a) // abs(b)
        return wrap_int(-q if (a < 0) != (b < 0) else q)
    if op == "%":
        if b == 0:
            raise TengoRuntimeError("division by zero")
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "&^":
        return a & ~b
    if op == "<<":
        n = b & 0xFFFFFFFFFFFFFFFF
        return 0 if n >= 64 else wrap_int(a << n)
    if op == ">>":
        n = b & 0xFFFFFFFFFFFFFFFF
        return (-1 if a < 0 else 0) if n >= 64 else a >> n
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    raise invalid_op(op, a, b)


def _float_op(op: str, a: float, b: float, lhs: Any, rhs: Any) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            if a == 0 or a != a:
                return float("nan")
            return float("inf") if (a > 0) == (str(b)[0] != "-") else float("-inf")
        return a / b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    raise invalid_op(op, lhs, rhs)


def binop(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for every operator except ==, !=, &&, || (and < / <= which
    upstream compiles as swapped > / >=)."""
    ta = type(a)
    tb = type(b)
    if ta is int:
        if tb is int:
            return _int_op(op, a, b)
        if tb is float:
            return _float_op(op, float(a), b, a, b)
        if tb is Char and op in ("+", "-", ">", ">="):
            if op == "+":
                return Char(_wrap32(a + b.v))
            if op == "-":
                return Char(_wrap32(a - b.v))
            return a > b.v if op == ">" else a >= b.v
        raise invalid_op(op, a, b)
    if ta is float:
        if tb is float or tb is int:
            return _float_op(op, a, float(b), a, b)
        raise invalid_op(op, a, b)
    if ta is str:
        if op == "+":
            if tb is str:
                return _check_str(a + b)
            return _check_str(a + to_plain_str(b) if tb is not str else a + b)
        if tb is str:
            if op == ">":
                return a > b
            if op == ">=":
                return a >= b
        raise invalid_op(op, a, b)
    if ta is Char:
        if tb is Char or tb is int:
            bv = b.v if tb is Char else b
            if op == "+":
                return Char(_wrap32(a.v + bv))
            if op == "-":
                return Char(_wrap32(a.v - bv))
            if op == ">":
                return a.v > bv
            if op == ">=":
                return a.v >= bv
        raise invalid_op(op, a, b)
    if ta is list:
        if op == "+" and (tb is list or tb is ImmutableArray):
            return a + (b if tb is list else b.value)
        raise invalid_op(op, a, b)
    if ta is ImmutableArray:
        if op == "+" and (tb is list or tb is ImmutableArray):
            return a.value + (b if tb is list else b.value)
        raise invalid_op(op, a, b)
    if ta is bytearray:
        if op == "+" and tb is bytearray:
            return _check_bytes(a + b)
        raise invalid_op(op, a, b)
    if ta is Time:
        if tb is int and op in ("+", "-"):
            return Time(a.ns + b if op == "+" else a.ns - b, a.offset, a.zone)
        if tb is Time:
            if op == "-":
                return wrap_int(a.ns - b.ns)
            if op == ">":
                return a.ns > b.ns
            if op == ">=":
                return a.ns >= b.ns
        raise invalid_op(op, a, b)
    custom = getattr(a, "tengo_binary_op", None)
    if custom is not None:
        return custom(op, b)
    raise invalid_op(op, a, b)


def add(a: Any, b: Any) -> Any:
    return binop("+", a, b)


def sub(a: Any, b: Any) -> Any:
    return binop("-", a, b)


def mul(a: Any, b: Any) -> Any:
    return binop("*", a, b)


def lt(a: Any, b: Any) -> Any:
    return binop(">", b, a)


def le(a: Any, b: Any) -> Any:
    return binop(">=", b, a)


def gt(a: Any, b: Any) -> Any:
    return binop(">", a, b)


def ge(a: Any, b: Any) -> Any:
    return binop(">=", a, b)


def neg(a: Any) -> Any:
    ta = type(a)
    if ta is int:
        return wrap_int(-a)
    if ta is float:
        return -a
    if ta is Char:
        return Char(_wrap32(-a.v))
    raise TengoRuntimeError(f"invalid operation: -{type_name(a)}")


def bitnot(a: Any) -> Any:
    if type(a) is int:
        return ~a
    raise TengoRuntimeError(f"invalid operation: ^{type_name(a)}")


def truthy(v: Any) -> bool:
    """Upstream ``!IsFalsy()``."""
    tp = type(v)
    if tp is bool:
        return v
    if tp is int or tp is str or tp is list or tp is dict or tp is bytearray:
        return bool(v)
    if v is None:
        return False
    if tp is float:
        return v == v  # only NaN is falsy
    if tp is FunctionType or tp is BuiltinFunction or tp is UserFunction:
        return True
    falsy = getattr(v, "tengo_is_falsy", None)
    if falsy is not None:
        return not falsy()
    return bool(v)


def eq(a: Any, b: Any) -> bool:
    """Upstream ``a.Equals(b)``."""
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is int or ta is str or ta is bool or ta is float or ta is bytearray:
            return a == b
        if ta is list:
            return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
        if ta is dict:
            return _map_eq(a, b)
        if ta is Char:
            return a.v == b.v
        if ta is ImmutableArray:
            return eq(a.value, b.value)
        if ta is ImmutableMap:
            return _map_eq(a.value, b.value)
        if ta is Time:
            return a.ns == b.ns
        return a is b
    if ta is int:
        if tb is float:
            return a == b
        if tb is Char:
            return a == b.v
        return False
    if ta is float:
        return (tb is int and a == b) or (tb is Char and a == b.v)
    if ta is Char:
        return tb is int and a.v == b
    if ta is list and tb is ImmutableArray:
        return eq(a, b.value)
    if ta is ImmutableArray and tb is list:
        return eq(a.value, b)
    if ta is dict and tb is ImmutableMap:
        return _map_eq(a, b.value)
    if ta is ImmutableMap and tb is dict:
        return _map_eq(a.value, b)
    return False


def _map_eq(a: dict, b: dict) -> bool:
    if len(a) != len(b):
        return False
    return all(not (k not in b or not eq(v, b[k])) for k, v in a.items())


def ne(a: Any, b: Any) -> bool:
    return not eq(a, b)


# --- indexing -----------------------------------------------------------------


def index(x: Any, i: Any) -> Any:
    tx = type(x)
    if tx is list or tx is ImmutableArray:
        seq = x if tx is list else x.value
        if type(i) is not int:
            raise TengoRuntimeError(f"invalid index type: {type_name(i)}")
        if 0 <= i < len(seq):
            return seq[i]
        return None
    if tx is dict or tx is ImmutableMap:
        if type(i) is not str:
            raise TengoRuntimeError(f"invalid index type: {type_name(i)}")
        return (x if tx is dict else x.value).get(i)
    if tx is str:
        if type(i) is not int:
            raise TengoRuntimeError(f"invalid index type: {type_name(i)}")
        if 0 <= i < len(x):
            return Char(ord(x[i]))
        return None
    if tx is bytearray:
        if type(i) is not int:
            raise TengoRuntimeError(f"invalid index type: {type_name(i)}")
        if 0 <= i < len(x):
            return x[i]
        return None
    if tx is TError:
        if i == "value" and type(i) is str:
            return x.value
        raise TengoRuntimeError("invalid index on error")
    if x is None:
        return None
    getter = getattr(x, "tengo_index_get", None)
    if getter is not None:
        return getter(i)
    raise TengoRuntimeError(f"not indexable: {type_name(x)}")


def set_index(x: Any, i: Any, v: Any) -> None:
    tx = type(x)
    if tx is list:
        if type(i) is not int:
            raise TengoRuntimeError(f"invalid index type: {type_name(i)}")
        if 0 <= i < len(x):
            x[i] = v
            return
        raise TengoRuntimeError("index out of bounds")
    if tx is dict:
        if type(i) is not str:
            raise TengoRuntimeError(f"invalid index type: {type_name(i)}")
        x[i] = v
        return
    setter = getattr(x, "tengo_index_set", None)
    if setter is not None:
        setter(i, v)
        return
    raise TengoRuntimeError(f"not index-assignable: {type_name(x)}")


def set_selectors(root: Any, sels: tuple, v: Any) -> None:
    """``root[s0][s1]...[sn] = v`` (upstream OpSetSel*)."""
    x = root
    for s in sels[:-1]:
        x = index(x, s)
    set_index(x, sels[-1], v)


def slice_(x: Any, lo: Any, hi: Any) -> Any:
    tx = type(x)
    if tx is list:
        seq: Any = x
    elif tx is ImmutableArray:
        seq = x.value
    elif tx is str:
        seq = x.encode("utf-8", "surrogateescape") if not x.isascii() else x
    elif tx is bytearray:
        seq = x
    else:
        raise TengoRuntimeError(f"not indexable: {type_name(x)}")
    n = len(seq)
    if lo is None:
        lo = 0
    elif type(lo) is not int:
        raise TengoRuntimeError(f"invalid slice index type: {type_name(lo)}")
    if hi is None:
        hi = n
    elif type(hi) is not int:
        raise TengoRuntimeError(f"invalid slice index type: {type_name(hi)}")
    if lo < 0:
        lo = 0
    if lo > n:
        raise TengoRuntimeError(f"invalid slice index: {lo} > {n}")
    if hi > n:
        hi = n
    if lo > hi:
        raise TengoRuntimeError(f"invalid slice index: {lo} > {hi}")
    r = seq[lo:hi]
    if tx is str and type(r) is bytes:
        return r.decode("utf-8", "surrogateescape")
    return r


def spread(x: Any) -> Any:
    if type(x) is list:
        return x
    if type(x) is ImmutableArray:
        return x.value
    raise TengoRuntimeError(f"invalid spread: {type_name(x)}")  # pragma: no cover


# --- iteration ----------------------------------------------------------------


def iter_items(x: Any) -> Any:
    tx = type(x)
    if tx is list:
        return enumerate(x[:])
    if tx is dict:
        return list(x.items())
    if tx is ImmutableArray:
        return enumerate(x.value[:])
    if tx is ImmutableMap:
        return list(x.value.items())
    if tx is str:
        return ((i, Char(ord(c))) for i, c in enumerate(x))
    if tx is bytearray:
        return enumerate(x)
    it = getattr(x, "tengo_iterate", None)
    if it is not None:
        return it()
    raise TengoRuntimeError(f"not iterable: {type_name(x)}")


def iter_values(x: Any) -> Any:
    tx = type(x)
    if tx is list:
        return x[:]
    if tx is dict:
        return list(x.values())
    return (v for _, v in iter_items(x))


def iter_keys(x: Any) -> Any:
    tx = type(x)
    if tx is list:
        return range(len(x))
    if tx is dict:
        return list(x)
    return (k for k, _ in iter_items(x))


# --- immutability / copying ---------------------------------------------------


def immutable(v: Any) -> Any:
    """Upstream OpImmutable: one level, sharing storage."""
    tv = type(v)
    if tv is list:
        return ImmutableArray(v)
    if tv is dict:
        return ImmutableMap(v)
    return v


def freeze(v: Any) -> Any:
    """Deep immutable copy (the ``freeze`` builtin)."""
    tv = type(v)
    if tv is list or tv is ImmutableArray:
        seq = v if tv is list else v.value
        return ImmutableArray([freeze(x) for x in seq])
    if tv is dict or tv is ImmutableMap:
        m = v if tv is dict else v.value
        return ImmutableMap({k: freeze(x) for k, x in m.items()})
    return v


def deep_copy(v: Any) -> Any:
    """Upstream ``Object.Copy()``."""
    tv = type(v)
    if tv is list:
        return [deep_copy(x) for x in v]
    if tv is dict:
        return {k: deep_copy(x) for k, x in v.items()}
    if tv is ImmutableArray:
        return [deep_copy(x) for x in v.value]
    if tv is ImmutableMap:
        return {k: deep_copy(x) for k, x in v.value.items()}
    if tv is bytearray:
        return bytearray(v)
    if tv is Char:
        return Char(v.v)
    if tv is TError:
        return TError(deep_copy(v.value))
    if tv is Time:
        return Time(v.ns, v.offset, v.zone)
    cp = getattr(v, "tengo_copy", None)
    if cp is not None:
        return cp()
    return v
