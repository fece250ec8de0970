"""Time formatting helpers (Go ``time.Time.String`` and RFC 3339)."""

from __future__ import annotations

import datetime as _dt

from .values import Time

_EPOCH = _dt.datetime(1970, 1, 1)


def to_datetime(t: Time) -> _dt.datetime:
    """Naive local wall-clock datetime of ``t`` in its own zone."""
    secs, ns = divmod(t.ns, 1_000_000_000)
    return _EPOCH + _dt.timedelta(seconds=secs + t.offset, microseconds=ns // 1000)


def _offset(off: int, colon: bool) -> str:
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    h, m = divmod(off // 60, 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


def time_string(t: Time) -> str:
    d = to_datetime(t)
    ns = t.ns % 1_000_000_000
    frac = f".{ns:09d}".rstrip("0") if ns else ""
    return f"{d:%Y-%m-%d %H:%M:%S}{frac} {_offset(t.offset, False)} {t.zone}"


def rfc3339(t: Time) -> str:
    d = to_datetime(t)
    ns = t.ns % 1_000_000_000
    frac = f".{ns:09d}".rstrip("0") if ns else ""
    z = "Z" if t.offset == 0 else _offset(t.offset, True)
    return f"{d:%Y-%m-%dT%H:%M:%S}{frac}{z}"


# Go layout tokens, longest first where one is a prefix of another.
_TOKENS = (
    "January", "Monday", "Z07:00:00", "-07:00:00", "Z07:00", "-07:00", "Z0700", "-0700",
    "2006", "Jan", "Mon", "MST", "002", "_2", "01", "02", "03", "04", "05", "06", "15",
    "-07", "Z07", "PM", "pm", "1", "2", "3", "4", "5",
)  # fmt: skip
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _zone(off: int, style: str) -> str:
    if style.startswith("Z") and off == 0:
        return "Z"
    sign = "+" if off >= 0 else "-"
    h, rem = divmod(abs(off), 3600)
    m, sec = divmod(rem, 60)
    body = style.lstrip("Z-")
    if body == "07":
        return f"{sign}{h:02d}"
    if body == "0700":
        return f"{sign}{h:02d}{m:02d}"
    if body == "07:00":
        return f"{sign}{h:02d}:{m:02d}"
    return f"{sign}{h:02d}:{m:02d}:{sec:02d}"


def go_format(t: Time, layout: str) -> str:
    """Go ``time.Time.Format`` for the common layout elements."""
    d = to_datetime(t)
    ns = t.ns % 1_000_000_000
    out: list[str] = []
    i = 0
    n = len(layout)
    while i < n:
        # fractional seconds: .000 / ,000 (fixed) or .999 (trailing zeros trimmed)
        if layout[i] in ".," and i + 1 < n and layout[i + 1] in "09":
            j = i + 1
            while j < n and layout[j] == layout[i + 1]:
                j += 1
            if j >= n or not layout[j].isdigit():
                digits = f"{ns:09d}"[: j - i - 1]
                if layout[i + 1] == "9":
                    digits = digits.rstrip("0")
                    out.append(("." + digits) if digits else "")
                else:
                    out.append(layout[i] + digits)
                i = j
                continue
        for tok in _TOKENS:
            if layout.startswith(tok, i):
                out.append(_format_token(tok, d, t))
                i += len(tok)
                break
        else:
            out.append(layout[i])
            i += 1
    return "".join(out)


def _format_token(tok: str, d: _dt.datetime, t: Time) -> str:
    if tok == "2006":
        return f"{d.year:04d}"
    if tok == "06":
        return f"{d.year % 100:02d}"
    if tok == "January":
        return _MONTHS[d.month - 1]
    if tok == "Jan":
        return _MONTHS[d.month - 1][:3]
    if tok == "01":
        return f"{d.month:02d}"
    if tok == "1":
        return str(d.month)
    if tok == "Monday":
        return _DAYS[d.weekday()]
    if tok == "Mon":
        return _DAYS[d.weekday()][:3]
    if tok == "02":
        return f"{d.day:02d}"
    if tok == "_2":
        return f"{d.day:2d}"
    if tok == "2":
        return str(d.day)
    if tok == "002":
        return f"{d.timetuple().tm_yday:03d}"
    if tok == "15":
        return f"{d.hour:02d}"
    if tok in ("03", "3"):
        h = d.hour % 12 or 12
        return f"{h:02d}" if tok == "03" else str(h)
    if tok in ("04", "4"):
        return f"{d.minute:02d}" if tok == "04" else str(d.minute)
    if tok in ("05", "5"):
        return f"{d.second:02d}" if tok == "05" else str(d.second)
    if tok in ("PM", "pm"):
        s = "PM" if d.hour >= 12 else "AM"
        return s if tok == "PM" else s.lower()
    if tok == "MST":
        return t.zone
    return _zone(t.offset, tok)
