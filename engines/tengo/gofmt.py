"""A subset of Go's ``fmt`` formatting used by ``format()`` and ``fmt.sprintf``.

Supports the verbs %v %d %s %q %f %F %e %E %g %G %x %X %o %O %b %c %U %t %T %%
with flags (``+ - # 0`` and space), width and precision, and Go's
``%!verb(type=value)`` / ``%!(EXTRA ...)`` / ``%!v(MISSING)`` diagnostics.
"""

from __future__ import annotations

import math
from typing import Any

from .values import (
    Char,
    ImmutableArray,
    ImmutableMap,
    TError,
    char_str,
    format_float,
    go_quote,
    to_str,
    type_name,
)

_GO_TYPE = {
    "int": "int64",
    "float": "float64",
    "string": "string",
    "bool": "bool",
    "char": "int32",
}


def _pad(s: str, width: int | None, minus: bool, zero: bool) -> str:
    if width is None or len(s) >= width:
        return s
    if minus:
        return s + " " * (width - len(s))
    if zero:
        sign = ""
        if s and s[0] in "+- ":
            sign, s = s[0], s[1:]
        return sign + "0" * (width - len(s) - len(sign)) + s
    return " " * (width - len(s)) + s


def _fmt_exp(f: float, prec: int, upper: bool) -> str:
    s = f"{f:.{prec}e}"
    mant, _, exp = s.partition("e")
    sign = exp[0]
    digits = exp[1:].lstrip("0").rjust(2, "0")
    out = f"{mant}e{sign}{digits}"
    return out.upper() if upper else out


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``abs(f)`` and the decimal exponent of
    the first digit (``1234.5`` -> ``("12345", 3)``)."""
    r = repr(abs(f))
    if "e" in r:
        m, _, e = r.partition("e")
        digits = m.replace(".", "").rstrip("0") or "0"
        return digits, int(e)
    whole, _, frac = r.partition(".")
    if frac == "0":
        frac = ""
    if whole != "0":
        digits = (whole + frac).rstrip("0") or "0"
        return digits, len(whole) - 1
    stripped = frac.lstrip("0")
    return (stripped.rstrip("0") or "0"), -(len(frac) - len(stripped)) - 1


def _fmt_g(f: float, prec: int | None, upper: bool) -> str:
    """Go's %g; ``prec=None`` is the shortest representation (as %v uses),
    switching to exponent form when the exponent is < -4 or >= 6."""
    if prec is None:
        if f == 0:
            out = "-0" if str(f)[0] == "-" else "0"
        else:
            digits, e10 = _shortest_digits(f)
            sign = "-" if f < 0 else ""
            if e10 < -4 or e10 >= 6:
                mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
                out = f"{sign}{mant}e{'-' if e10 < 0 else '+'}{abs(e10):02d}"
            else:
                out = format_float(f)
    else:
        p = prec or 1
        out = f"{f:.{p}g}"
        if "e" in out:
            mant, _, exp = out.partition("e")
            sign = exp[0]
            out = f"{mant}e{sign}{exp[1:].lstrip('0').rjust(2, '0')}"
    return out.upper() if upper else out


def _float_special(f: float, plus: bool) -> str | None:
    if f != f:
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    return None


def _format_one(verb: str, arg: Any, flags: str, width: int | None, prec: int | None) -> str:
    plus = "+" in flags
    minus = "-" in flags
    zero = "0" in flags and not minus
    sharp = "#" in flags
    space = " " in flags
    t = type(arg)
    if verb == "T":
        return _pad(type_name(arg), width, minus, False)
    if verb == "v":
        if t is float:
            s = _float_special(arg, plus) or _fmt_g(arg, prec, False)
            if plus and s[0] not in "+-":
                s = "+" + s
            return _pad(s, width, minus, zero)
        if t is int:
            s = str(arg)
            if plus and arg >= 0:
                s = "+" + s
            return _pad(s, width, minus, zero)
        if t is str:
            return _pad(arg if prec is None else arg[:prec], width, minus, False)
        if t is Char:
            return _pad(str(arg.v), width, minus, zero)
        if t is TError:
            return _pad(to_str(arg), width, minus, False)
        if t is bytearray:
            return _pad("[" + " ".join(str(b) for b in arg) + "]", width, minus, False)
        if t is ImmutableArray or t is ImmutableMap or t is list or t is dict:
            return _pad(to_str(arg), width, minus, False)
        return _pad(to_str(arg), width, minus, False)
    if verb in "dboxXOc" and t is Char:
        arg = arg.v
        t = int
    if verb in "dboxXO" and t is int:
        base = {"d": 10, "b": 2, "o": 8, "O": 8, "x": 16, "X": 16}[verb]
        neg = arg < 0
        digits = {2: "b", 8: "o", 10: "d", 16: "x"}[base]
        s = format(abs(arg), digits)
        if verb == "X":
            s = s.upper()
        if prec is not None:
            s = s.rjust(prec, "0")
            zero = False
        if sharp or verb == "O":
            s = {"b": "0b", "o": "0", "O": "0o", "x": "0x", "X": "0X"}.get(verb, "") + s
        if neg:
            s = "-" + s
        elif plus:
            s = "+" + s
        elif space:
            s = " " + s
        return _pad(s, width, minus, zero)
    if verb in "xX" and (t is str or t is bytearray):
        data = arg.encode("utf-8", "surrogateescape") if t is str else arg
        s = data.hex()
        if verb == "X":
            s = s.upper()
        return _pad(s, width, minus, False)
    if verb == "c" and t is int:
        return _pad(char_str(arg), width, minus, False)
    if verb == "U" and (t is int or t is Char):
        v = arg.v if t is Char else arg
        s = f"U+{v:04X}"
        if sharp:
            s += f" '{char_str(v)}'"
        return _pad(s, width, minus, False)
    if verb in "eEfFgG" and (t is float or t is int):
        f = float(arg)
        special = _float_special(f, plus)
        if special is not None:
            s = special
        else:
            if verb in "fF":
                s = f"{f:.{6 if prec is None else prec}f}"
            elif verb in "eE":
                s = _fmt_exp(f, 6 if prec is None else prec, verb == "E")
            else:
                s = _fmt_g(f, prec, verb == "G")
        if plus and s[0] not in "+-":
            s = "+" + s
        elif space and s[0] not in "+-":
            s = " " + s
        return _pad(s, width, minus, zero and s not in ("NaN", "+Inf", "-Inf"))
    if verb == "s" and t is not int and t is not float and t is not bool:
        s = arg if t is str else (arg.decode("utf-8", "replace") if t is bytearray else to_str(arg))
        if prec is not None:
            s = s[:prec]
        return _pad(s, width, minus, False)
    if verb == "q":
        if t is str:
            return _pad(go_quote(arg), width, minus, False)
        if t is Char or t is int:
            v = arg.v if t is Char else arg
            return _pad(
                "'" + go_quote(char_str(v))[1:-1].replace("'", "\\'") + "'", width, minus, False
            )
    if verb == "t" and t is bool:
        return _pad("true" if arg else "false", width, minus, False)
    go_t = _GO_TYPE.get(type_name(arg), "*tengo." + type_name(arg).title().replace("-", ""))
    return f"%!{verb}({go_t}={_format_one('v', arg, '', None, None)})"


def go_sprintf(fmt: str, args: list[Any]) -> str:
    out: list[str] = []
    i = 0
    n = len(fmt)
    argi = 0
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        flags = ""
        while i < n and fmt[i] in "+-# 0":
            flags += fmt[i]
            i += 1
        width: int | None = None
        if i < n and fmt[i] == "*":
            i += 1
            if argi < len(args) and type(args[argi]) is int:
                width = args[argi]
                argi += 1
        else:
            st = i
            while i < n and fmt[i].isdigit():
                i += 1
            if i > st:
                width = int(fmt[st:i])
        prec: int | None = None
        if i < n and fmt[i] == ".":
            i += 1
            st = i
            while i < n and fmt[i].isdigit():
                i += 1
            prec = int(fmt[st:i]) if i > st else 0
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_format_one(verb, args[argi], flags, width, prec))
        argi += 1
    if argi < len(args):
        extra = ", ".join(
            f"{_GO_TYPE.get(type_name(a), type_name(a))}={_format_one('v', a, '', None, None)}"
            for a in args[argi:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
