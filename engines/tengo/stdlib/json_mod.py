"""The ``json`` module: encode / decode / indent / html_escape (Go-compatible
compact output; chars encode as their code point, bytes as base64)."""

from __future__ import annotations

import base64
import json as _json
from typing import Any

from ..errors import TengoRuntimeError
from ..values import (
    Char,
    ImmutableArray,
    ImmutableMap,
    TError,
    Time,
    bytes_to_str,
    format_float,
    str_to_bytes,
)
from ._util import go_error, module, nargs


def _go_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "<>&" or o in (0x2028, 0x2029):
            out.append(f"\\u{o:04x}")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20:
            out.append(f"\\u{o:04x}")
        elif 0xDC80 <= o <= 0xDCFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _float(f: float) -> str:
    if f != f or f in (float("inf"), float("-inf")):
        raise TengoRuntimeError(f"json: unsupported value: {format_float(f)}")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        r = repr(f)
        mant, _, exp = r.partition("e")
        if mant.endswith(".0"):
            mant = mant[:-2]
        e = int(exp)
        return f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    return format_float(f)


def encode_value(v: Any) -> str:
    t = type(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _float(v)
    if t is str:
        return _go_str(v)
    if t is Char:
        return str(v.v)
    if t is bytearray:
        return '"' + base64.b64encode(v).decode() + '"'
    if t is list or t is ImmutableArray:
        seq = v if t is list else v.value
        return "[" + ",".join(encode_value(x) for x in seq) + "]"
    if t is dict or t is ImmutableMap:
        m = v if t is dict else v.value
        return "{" + ",".join(f"{_go_str(k)}:{encode_value(m[k])}" for k in sorted(m)) + "}"
    if t is TError:
        return encode_value(v.value)
    if t is Time:
        from ..timefmt import rfc3339

        return '"' + rfc3339(v) + '"'
    return "null"


def _encode(*args: Any) -> Any:
    nargs("encode", args, 1)
    return bytearray(str_to_bytes(encode_value(args[0])))


def _from_json(v: Any) -> Any:
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, list):
        return [_from_json(x) for x in v]
    if isinstance(v, dict):
        return {k: _from_json(x) for k, x in v.items()}
    return v


def _text(name: str, v: Any) -> str:
    if type(v) is bytearray:
        return bytes_to_str(v)
    if type(v) is str:
        return v
    from ._util import bad_arg

    raise bad_arg(name, 0, "bytes/string", v)


def _decode(*args: Any) -> Any:
    nargs("decode", args, 1)
    s = _text("decode", args[0])
    try:
        return _from_json(_json.loads(s))
    except ValueError as e:
        return go_error(str(e))


def _indent(*args: Any) -> Any:
    nargs("indent", args, 3)
    s = _text("indent", args[0])
    prefix, ind = str(args[1]), str(args[2])
    try:
        data = _json.loads(s)
    except ValueError as e:
        return go_error(str(e))
    out = _json.dumps(data, indent=ind, ensure_ascii=False, separators=(",", ": "))
    if prefix:
        out = out.replace("\n", "\n" + prefix)
    return bytearray(str_to_bytes(out))


def _html_escape(*args: Any) -> Any:
    nargs("html_escape", args, 1)
    s = _text("html_escape", args[0])
    for a, b in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        s = s.replace(a, b)
    return bytearray(str_to_bytes(s))


MODULE = module(
    "json", {"encode": _encode, "decode": _decode, "indent": _indent, "html_escape": _html_escape}
)
