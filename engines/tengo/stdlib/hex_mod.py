"""The ``hex`` module."""

from __future__ import annotations

from typing import Any

from ..values import str_to_bytes
from ._util import arg_str, bad_arg, go_error, module, nargs


def _encode(*args: Any) -> str:
    nargs("encode", args, 1)
    v = args[0]
    if type(v) is str:
        v = bytearray(str_to_bytes(v))
    if type(v) is not bytearray:
        raise bad_arg("encode", 0, "bytes", v)
    return v.hex()


def _decode(*args: Any) -> Any:
    nargs("decode", args, 1)
    s = arg_str("decode", args, 0)
    try:
        return (
            bytearray.fromhex(s)
            if len(s) % 2 == 0 and " " not in s
            else go_error("encoding/hex: odd length hex string")
        )
    except ValueError:
        return go_error("encoding/hex: invalid byte")


MODULE = module("hex", {"encode": _encode, "decode": _decode})
