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
