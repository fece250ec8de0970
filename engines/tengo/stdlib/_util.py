"""Helpers shared by the stdlib modules: argument conversion and errors
in upstream's style (lenient ``ToString``/``ToInt`` conversions, Go errors
returned as Tengo error values)."""

from __future__ import annotations

from typing import Any

from .. import ops
from ..builtins import _to_float, _to_int
from ..errors import TengoRuntimeError
from ..values import ImmutableMap, TError, UserFunction, str_len, to_plain_str
from ..values import type_name as _tn

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")


def wrong_args(fn: str) -> TengoRuntimeError:
    return TengoRuntimeError(f"wrong number of arguments in call to 'user-function:{fn}'")


def bad_arg(fn: str, i: int, expected: str, found: Any) -> TengoRuntimeError:
    return TengoRuntimeError(
        f"invalid type for argument '{ORDINALS[i]}' in call to 'user-function:{fn}': "
        f"expected {expected}, found {_tn(found)}"
    )


def arg_str(fn: str, args: tuple, i: int) -> str:
    v = args[i]
    if v is None:
        raise bad_arg(fn, i, "string(compatible)", v)
    return to_plain_str(v)


def arg_int(fn: str, args: tuple, i: int) -> int:
    v = _to_int(args[i])
    if type(v) is not int:
        raise bad_arg(fn, i, "int(compatible)", args[i])
    return v


def arg_float(fn: str, args: tuple, i: int) -> float:
    v = _to_float(args[i])
    if type(v) is not float:
        raise bad_arg(fn, i, "float(compatible)", args[i])
    return v


def check_str(s: str) -> str:
    if str_len(s) > ops.LIMITS.max_string_len:
        raise TengoRuntimeError("exceeding string size limit")
    return s


def go_error(msg: str) -> TError:
    """A Go ``error`` returned to the script as an error value (upstream's wrapError)."""
    return TError(msg)


def module(name: str, funcs: dict[str, Any]) -> ImmutableMap:
    """Builds a module value; Python callables become user functions."""
    out: dict[str, Any] = {}
    for k, v in funcs.items():
        out[k] = UserFunction(f"{k}", v) if callable(v) and not isinstance(v, UserFunction) else v
    return ImmutableMap(out)


def nargs(fn: str, args: tuple, lo: int, hi: int | None = None) -> bool:
    """Checks the argument count (returns True so it can be used in expressions)."""
    if len(args) < lo or len(args) > (lo if hi is None else hi):
        raise wrong_args(fn)
    return True
