"""The ``base64`` module (std and URL alphabets, padded and raw)."""

from __future__ import annotations

import base64 as _b64
import binascii
from typing import Any

from ..values import str_to_bytes
from ._util import arg_str, bad_arg, go_error, module, nargs


def _in(name: str, args: tuple) -> bytes | bytearray:
    nargs(name, args, 1)
    v = args[0]
    if type(v) is bytearray:
        return v
    if type(v) is str:
        return str_to_bytes(v)
    raise bad_arg(name, 0, "bytes", v)


def _enc(url: bool, raw: bool) -> Any:
    def f(*args: Any) -> str:
        b = _in("encode", args)
        s = (_b64.urlsafe_b64encode(b) if url else _b64.b64encode(b)).decode()
        return s.rstrip("=") if raw else s

    return f


def _dec(url: bool, raw: bool) -> Any:
    def f(*args: Any) -> Any:
        nargs("decode", args, 1)
        s = arg_str("decode", args, 0)
        if raw:
            if "=" in s:
                return go_error("illegal base64 data at input byte 0")
            s += "=" * (-len(s) % 4)
        try:
            data = str_to_bytes(s)
            if url:
                return bytearray(_b64.urlsafe_b64decode(data))
            return bytearray(_b64.b64decode(data, validate=True))
        except (binascii.Error, ValueError) as e:
            return go_error(f"illegal base64 data: {e}")

    return f


MODULE = module(
    "base64",
    {
        "encode": _enc(False, False),
        "decode": _dec(False, False),
        "raw_encode": _enc(False, True),
        "raw_decode": _dec(False, True),
        "url_encode": _enc(True, False),
        "url_decode": _dec(True, False),
        "raw_url_encode": _enc(True, True),
        "raw_url_decode": _dec(True, True),
    },
)
