"""The ``text`` module: Go ``strings``/``strconv`` functions and regular
expressions with RE2 semantics (via google-re2, on UTF-8 bytes so offsets
are byte offsets like Go's)."""

from __future__ import annotations

from typing import Any

import re2

from ..values import ImmutableMap, UserFunction, format_float, go_quote, str_to_bytes
from ..values import bytes_to_str as _b2s
from ._util import arg_float, arg_int, arg_str, bad_arg, check_str, go_error, module, nargs


def _s(fn: str, args: tuple, i: int) -> str:
    return arg_str(fn, args, i)


def _compile(pattern: str) -> Any:
    try:
        return re2.compile(str_to_bytes(pattern))
    except Exception as e:  # re2.error
        return go_error(f"error parsing regexp: {e}")


def _find_all(rx: Any, b: bytes, n: int) -> list:
    """Go's FindAll semantics (empty matches right after a match are skipped)."""
    out: list = []
    pos = 0
    prev_end = -1
    end = len(b)
    while (n < 0 or len(out) < n) and pos <= end:
        m = rx.search(b, pos)
        if m is None:
            break
        s, e = m.span()
        accept = True
        if e == s:
            if s == prev_end:
                accept = False
            # advance one UTF-8 character
            w = 1
            if s < end:
                c = b[s]
                w = 1 if c < 0x80 else 2 if c < 0xE0 else 3 if c < 0xF0 else 4
            pos = s + w if s >= pos else pos + w
        else:
            pos = e
        prev_end = e
        if accept:
            out.append(m)
    return out


def _match_groups(m: Any, b: bytes) -> list:
    groups = []
    for g in range(m.re.groups + 1 if hasattr(m, "re") else len(m.groups()) + 1):
        s, e = m.span(g)
        if s >= 0:  # unmatched groups are left out, as upstream
            groups.append(ImmutableMap({"text": _b2s(b[s:e]), "begin": s, "end": e}))
    return groups


def _expand(template: bytes, m: Any, b: bytes) -> bytes:
    """Go ``Regexp.Expand``: $1, ${1}, $name, ${name}, $$."""
    out = bytearray()
    i = 0
    n = len(template)
    names = getattr(m.re, "groupindex", {}) if hasattr(m, "re") else {}
    while i < n:
        c = template[i]
        if c != 0x24:  # '$'
            out.append(c)
            i += 1
            continue
        i += 1
        if i < n and template[i] == 0x24:
            out.append(0x24)
            i += 1
            continue
        brace = i < n and template[i] == 0x7B
        j = i + 1 if brace else i
        k = j
        while k < n and (chr(template[k]).isalnum() or template[k] == 0x5F):
            k += 1
        name = template[j:k].decode()
        if not name or (brace and (k >= n or template[k] != 0x7D)):
            out.append(0x24)
            continue
        i = k + 1 if brace else k
        idx: int | None
        if name.isdigit():
            idx = int(name)
        else:
            idx = (
                names.get(name.encode())
                if names and isinstance(next(iter(names)), bytes)
                else names.get(name)
            )
        if idx is None:
            continue
        try:
            s, e = m.span(idx)
        except (IndexError, re2.error):
            continue
        if s >= 0:
            out += b[s:e]
    return bytes(out)


def _replace_all(rx: Any, text: str, repl: str) -> str:
    b = str_to_bytes(text)
    t = str_to_bytes(repl)
    out = bytearray()
    last = 0
    for m in _find_all(rx, b, -1):
        s, e = m.span()
        out += b[last:s]
        out += _expand(t, m, b)
        last = e
    out += b[last:]
    return check_str(_b2s(bytes(out)))


def _split(rx: Any, text: str, n: int) -> list:
    if n == 0:
        return []
    b = str_to_bytes(text)
    if len(b) == 0:
        return [""]
    parts: list[str] = []
    beg = end = 0
    for m in _find_all(rx, b, n):
        if n > 0 and len(parts) == n - 1:
            break
        end = m.start()
        if m.end() != 0:
            parts.append(_b2s(b[beg:end]))
        beg = m.end()
    if end != len(b):
        parts.append(_b2s(b[beg:]))
    return parts


def _find(rx: Any, text: str, count: int | None) -> Any:
    b = str_to_bytes(text)
    if count is None:
        m = rx.search(b)
        if m is None:
            return None
        return [_match_groups(m, b)]
    ms = _find_all(rx, b, count)
    if not ms:
        return None
    return [_match_groups(m, b) for m in ms]


def re_match(*args: Any) -> Any:
    nargs("re_match", args, 2)
    rx = _compile(_s("re_match", args, 0))
    if not hasattr(rx, "search"):
        return rx
    return rx.search(str_to_bytes(_s("re_match", args, 1))) is not None


def re_find(*args: Any) -> Any:
    nargs("re_find", args, 2, 3)
    rx = _compile(_s("re_find", args, 0))
    if not hasattr(rx, "search"):
        return rx
    count = arg_int("re_find", args, 2) if len(args) == 3 else None
    return _find(rx, _s("re_find", args, 1), count)


def re_replace(*args: Any) -> Any:
    nargs("re_replace", args, 3)
    rx = _compile(_s("re_replace", args, 0))
    if not hasattr(rx, "search"):
        return rx
    return _replace_all(rx, _s("re_replace", args, 1), _s("re_replace", args, 2))


def re_split(*args: Any) -> Any:
    nargs("re_split", args, 2, 3)
    rx = _compile(_s("re_split", args, 0))
    if not hasattr(rx, "search"):
        return rx
    n = arg_int("re_split", args, 2) if len(args) == 3 else -1
    return _split(rx, _s("re_split", args, 1), n)


def re_compile(*args: Any) -> Any:
    nargs("re_compile", args, 1)
    rx = _compile(_s("re_compile", args, 0))
    if not hasattr(rx, "search"):
        return rx

    def match(*a: Any) -> Any:
        nargs("match", a, 1)
        return rx.search(str_to_bytes(_s("match", a, 0))) is not None

    def find(*a: Any) -> Any:
        nargs("find", a, 1, 2)
        return _find(rx, _s("find", a, 0), arg_int("find", a, 1) if len(a) == 2 else None)

    def replace(*a: Any) -> Any:
        nargs("replace", a, 2)
        return _replace_all(rx, _s("replace", a, 0), _s("replace", a, 1))

    def split(*a: Any) -> Any:
        nargs("split", a, 1, 2)
        return _split(rx, _s("split", a, 0), arg_int("split", a, 1) if len(a) == 2 else -1)

    return ImmutableMap(
        {
            "match": UserFunction("match", match),
            "find": UserFunction("find", find),
            "replace": UserFunction("replace", replace),
            "split": UserFunction("split", split),
        }
    )


def _ss(name: str, fn: Any) -> Any:
    """Adapter for func(string, string) -> value."""

    def f(*args: Any) -> Any:
        nargs(name, args, 2)
        return fn(_s(name, args, 0), _s(name, args, 1))

    return f


def _s1(name: str, fn: Any) -> Any:
    def f(*args: Any) -> Any:
        nargs(name, args, 1)
        return fn(_s(name, args, 0))

    return f


def _bidx(s: str, i: int) -> int:
    """Character index -> UTF-8 byte index (Go reports byte offsets)."""
    return -1 if i < 0 else len(str_to_bytes(s[:i]))


def _index_any(s: str, chars: str, last: bool) -> int:
    best = -1
    rng = range(len(s) - 1, -1, -1) if last else range(len(s))
    for i in rng:
        if s[i] in chars:
            best = i
            break
    return _bidx(s, best)


def _go_split(s: str, sep: str, n: int, after: bool) -> list:
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        if n > 0 and len(chars) > n:
            chars = chars[: n - 1] + ["".join(chars[n - 1 :])]
        return chars
    parts: list[str] = []
    i = 0
    while n < 0 or len(parts) < n - 1:
        j = s.find(sep, i)
        if j < 0:
            break
        parts.append(s[i : j + (len(sep) if after else 0)])
        i = j + len(sep)
    parts.append(s[i:])
    return parts


def _title(s: str) -> str:
    out = []
    prev = " "
    for ch in s:
        out.append(ch.upper() if not (prev.isalnum() or prev == "_" or prev == "'") else ch)
        prev = ch
    return "".join(out)


def _replace(*args: Any) -> Any:
    nargs("replace", args, 4)
    s, old, new = _s("replace", args, 0), _s("replace", args, 1), _s("replace", args, 2)
    n = arg_int("replace", args, 3)
    if old == "":
        chars = list(s)
        out = []
        count = 0
        for idx in range(len(chars) + 1):
            if n < 0 or count < n:
                out.append(new)
                count += 1
            if idx < len(chars):
                out.append(chars[idx])
        r = "".join(out)
    else:
        r = s.replace(old, new, n if n >= 0 else -1)
    return check_str(r)


def _repeat(*args: Any) -> Any:
    nargs("repeat", args, 2)
    s = _s("repeat", args, 0)
    n = arg_int("repeat", args, 1)
    if n < 0:
        return go_error("negative repeat count")
    return check_str(s * n) if len(s) * n <= 1 << 31 else check_str("x" * (1 << 31))


def _join(*args: Any) -> Any:
    nargs("join", args, 2)
    from ..values import ImmutableArray

    arr = args[0]
    if type(arr) is ImmutableArray:
        arr = arr.value
    if type(arr) is not list:
        raise bad_arg("join", 0, "array", arr)
    parts = [_s("join", tuple(arr), i) for i in range(len(arr))]
    return check_str(_s("join", args, 1).join(parts))


def _substr(*args: Any) -> Any:
    nargs("substr", args, 2, 3)
    s = _s("substr", args, 0)
    lo = arg_int("substr", args, 1)
    n = len(s)
    hi = arg_int("substr", args, 2) if len(args) == 3 else n
    lo = max(lo, 0)
    hi = min(hi, n)
    if lo > hi:
        from ..errors import TengoRuntimeError

        raise TengoRuntimeError("index out of bounds")
    return s[lo : min(hi, n)]


def _pad(name: str, left: bool) -> Any:
    def f(*args: Any) -> Any:
        nargs(name, args, 2, 3)
        s = _s(name, args, 0)
        width = arg_int(name, args, 1)
        pad = _s(name, args, 2) if len(args) == 3 else " "
        n = len(s)
        if width <= n or not pad:
            return s
        check_str("x" * width) if width > 1 << 20 else None
        fill = pad * ((width - n) // len(pad) + 1)
        return fill[len(fill) - (width - n) :] + s if left else s + fill[: width - n]

    return f


def _trim(name: str, how: str) -> Any:
    def f(*args: Any) -> Any:
        nargs(name, args, 2)
        s, cut = _s(name, args, 0), _s(name, args, 1)
        if how == "both":
            return s.strip(cut) if cut else s
        if how == "left":
            return s.lstrip(cut) if cut else s
        if how == "right":
            return s.rstrip(cut) if cut else s
        if how == "prefix":
            return s[len(cut) :] if cut and s.startswith(cut) else s
        return s[: -len(cut)] if cut and s.endswith(cut) else s

    return f


def _atoi(*args: Any) -> Any:
    nargs("atoi", args, 1)
    s = _s("atoi", args, 0)
    v = _parse_int(s, 10)
    if v is None:
        return go_error(f"strconv.Atoi: parsing {go_quote(s)}: invalid syntax")
    return v


def _parse_int(s: str, base: int) -> int | None:
    t = s[1:] if s[:1] in "+-" else s
    if not t:
        return None
    try:
        if base == 0:
            v = int(s.replace("_", ""), 0) if "_" not in s[:1] else None
        else:
            if "_" in s or not all(c.isalnum() for c in t):
                return None
            v = int(s, base)
    except ValueError:
        return None
    return v


def _parse_int_fn(*args: Any) -> Any:
    nargs("parse_int", args, 3)
    s = _s("parse_int", args, 0)
    base = arg_int("parse_int", args, 1)
    bits = arg_int("parse_int", args, 2)
    v = _parse_int(s, base)
    if v is None:
        return go_error(f"strconv.ParseInt: parsing {go_quote(s)}: invalid syntax")
    lim = 1 << ((bits or 64) - 1)
    if not -lim <= v < lim:
        return go_error(f"strconv.ParseInt: parsing {go_quote(s)}: value out of range")
    return v


def _parse_float_fn(*args: Any) -> Any:
    nargs("parse_float", args, 2)
    from ..builtins import _parse_go_float

    s = _s("parse_float", args, 0)
    v = _parse_go_float(s)
    if type(v) is not float:
        return go_error(f"strconv.ParseFloat: parsing {go_quote(s)}: invalid syntax")
    return v


def _parse_bool(*args: Any) -> Any:
    nargs("parse_bool", args, 1)
    s = _s("parse_bool", args, 0)
    if s in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if s in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return go_error(f"strconv.ParseBool: parsing {go_quote(s)}: invalid syntax")


def _format_int(*args: Any) -> Any:
    nargs("format_int", args, 2)
    v = arg_int("format_int", args, 0)
    base = arg_int("format_int", args, 1)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    n = abs(v)
    out = ""
    while True:
        out = digits[n % base] + out
        n //= base
        if n == 0:
            break
    return "-" + out if v < 0 else out


def _format_float(*args: Any) -> Any:
    nargs("format_float", args, 4)
    from ..gofmt import _fmt_exp, _fmt_g

    f = arg_float("format_float", args, 0)
    fmt = _s("format_float", args, 1)
    prec = arg_int("format_float", args, 2)
    if f != f or f in (float("inf"), float("-inf")):
        return format_float(f)
    if fmt == "f":
        return format_float(f) if prec < 0 else f"{f:.{prec}f}"
    if fmt in ("e", "E"):
        if prec < 0:
            r = repr(f)
            digits = len(r.replace("-", "").replace(".", "").lstrip("0").split("e")[0]) - 1
            return _fmt_exp(f, max(digits, 0), fmt == "E")
        return _fmt_exp(f, prec, fmt == "E")
    if fmt in ("g", "G"):
        return _fmt_g(f, None if prec < 0 else prec, fmt == "G")
    return "%" + fmt


def _unquote(*args: Any) -> Any:
    nargs("unquote", args, 1)
    s = _s("unquote", args, 0)
    from ..scanner import unquote

    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"'`":
        return go_error("invalid syntax")
    try:
        return unquote(s)
    except (ValueError, IndexError):
        return go_error("invalid syntax")


def _split_n(name: str, after: bool) -> Any:
    def f(*a: Any) -> Any:
        nargs(name, a, 3)
        return _go_split(_s(name, a, 0), _s(name, a, 1), arg_int(name, a, 2), after)

    return f


def _format_bool(*a: Any) -> Any:
    nargs("format_bool", a, 1)
    if type(a[0]) is not bool:
        raise bad_arg("format_bool", 0, "bool", a[0])
    return "true" if a[0] else "false"


def _itoa(*a: Any) -> Any:
    nargs("itoa", a, 1)
    return str(arg_int("itoa", a, 0))


MODULE = module(
    "text",
    {
        "re_match": re_match,
        "re_find": re_find,
        "re_compile": re_compile,
        "re_replace": re_replace,
        "re_split": re_split,
        "compare": _ss("compare", lambda a, b: (a > b) - (a < b)),
        "contains": _ss("contains", lambda a, b: b in a),
        "contains_any": _ss("contains_any", lambda a, b: any(c in a for c in b)),
        "count": _ss("count", lambda a, b: a.count(b) if b else len(a) + 1),
        "equal_fold": _ss("equal_fold", lambda a, b: a.casefold() == b.casefold()),
        "fields": _s1("fields", lambda a: a.split()),
        "has_prefix": _ss("has_prefix", lambda a, b: a.startswith(b)),
        "has_suffix": _ss("has_suffix", lambda a, b: a.endswith(b)),
        "index": _ss("index", lambda a, b: _bidx(a, a.find(b))),
        "index_any": _ss("index_any", lambda a, b: _index_any(a, b, False)),
        "join": _join,
        "last_index": _ss("last_index", lambda a, b: _bidx(a, a.rfind(b))),
        "last_index_any": _ss("last_index_any", lambda a, b: _index_any(a, b, True)),
        "repeat": _repeat,
        "replace": _replace,
        "substr": _substr,
        "split": _ss("split", lambda a, b: _go_split(a, b, -1, False)),
        "split_after": _ss("split_after", lambda a, b: _go_split(a, b, -1, True)),
        "split_after_n": _split_n("split_after_n", True),
        "split_n": _split_n("split_n", False),
        "title": _s1("title", _title),
        "to_lower": _s1("to_lower", str.lower),
        "to_title": _s1("to_title", str.upper),
        "to_upper": _s1("to_upper", str.upper),
        "pad_left": _pad("pad_left", True),
        "pad_right": _pad("pad_right", False),
        "trim": _trim("trim", "both"),
        "trim_left": _trim("trim_left", "left"),
        "trim_prefix": _trim("trim_prefix", "prefix"),
        "trim_right": _trim("trim_right", "right"),
        "trim_space": _s1("trim_space", lambda a: a.strip(" \t\n\r\v\f\x85\xa0")),
        "trim_suffix": _trim("trim_suffix", "suffix"),
        "atoi": _atoi,
        "format_bool": _format_bool,
        "format_float": _format_float,
        "format_int": _format_int,
        "itoa": _itoa,
        "parse_bool": _parse_bool,
        "parse_float": _parse_float_fn,
        "parse_int": _parse_int_fn,
        "quote": _s1("quote", go_quote),
        "unquote": _unquote,
    },
)
