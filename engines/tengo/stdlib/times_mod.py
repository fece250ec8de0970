"""The ``times`` module (durations are int nanoseconds; times are Time values)."""

from __future__ import annotations

import datetime as _dt
import re
import time as _time
from typing import Any
from zoneinfo import ZoneInfo

from ..timefmt import go_format, time_string, to_datetime
from ..values import Time
from ._util import arg_int, arg_str, bad_arg, go_error, module, nargs

_UNITS = {
    "ns": 1,
    "us": 1000,
    "µs": 1000,
    "μs": 1000,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DUR_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def parse_duration(s: str) -> int | None:
    orig = s
    neg = s.startswith("-")
    if s[:1] in "+-":
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        return None
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _DUR_RE.match(s, pos)
        if not m:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    del orig
    return -int(total) if neg else int(total)


def duration_string(d: int) -> str:
    if d == 0:
        return "0s"
    neg = d < 0
    u = abs(d)
    if u < 10**9:
        for unit, size in (("ns", 1), ("µs", 1000), ("ms", 10**6)):
            if u < size * 1000:
                whole, frac = divmod(u, size)
                s = str(whole)
                if frac:
                    s += "." + f"{frac:0{len(str(size)) - 1}d}".rstrip("0")
                return ("-" if neg else "") + s + unit
    h, rem = divmod(u, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    sec, ns = divmod(rem, 10**9)
    s = f"{sec}" + (("." + f"{ns:09d}".rstrip("0")) if ns else "") + "s"
    if h:
        s = f"{h}h{m}m" + s
    elif m:
        s = f"{m}m" + s
    return ("-" if neg else "") + s


def _time_arg(name: str, args: tuple, i: int) -> Time:
    v = args[i]
    if type(v) is not Time:
        raise bad_arg(name, i, "time(compatible)", v)
    return v


def _zone(name: str) -> Any:
    if name in ("", "UTC"):
        return _dt.UTC
    if name == "Local":
        return None
    return ZoneInfo(name)


def _from_dt(d: _dt.datetime, ns: int, zone: str | None = None) -> Time:
    off = d.utcoffset()
    secs = int(off.total_seconds()) if off is not None else 0
    unix = int((d.replace(tzinfo=None) - _dt.datetime(1970, 1, 1)).total_seconds()) - secs
    return Time(unix * 10**9 + ns, secs, zone or d.tzname() or "UTC")


def _date(*a: Any) -> Any:
    nargs("date", a, 7, 8)
    y, mo, d, h, mi, s, ns = (arg_int("date", a, i) for i in range(7))
    tz = _zone(arg_str("date", a, 7)) if len(a) == 8 else _dt.UTC
    base = (
        _dt.datetime(y, 1, 1, tzinfo=tz) if tz is not None else _dt.datetime(y, 1, 1).astimezone()
    )
    d0 = base + _dt.timedelta(days=0)
    naive = _dt.datetime(y, 1, 1) + _dt.timedelta(
        days=_days_before(y, mo) + d - 1, hours=h, minutes=mi, seconds=s
    )
    dt = naive.replace(tzinfo=d0.tzinfo) if tz is not None else naive.astimezone()
    secs_extra, ns = divmod(ns, 10**9)
    t = _from_dt(dt, 0)
    return Time(t.ns + secs_extra * 10**9 + ns, t.offset, t.zone)


def _days_before(y: int, m: int) -> int:
    yy, mm = y + (m - 1) // 12, (m - 1) % 12 + 1
    return (_dt.date(yy, mm, 1) - _dt.date(y, 1, 1)).days


_LAYOUT = [
    ("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("04", "%M"), ("05", "%S"),
    ("Z07:00", "%z"), ("-07:00", "%z"), ("-0700", "%z"), ("MST", "%Z"), ("Jan", "%b"),
    ("January", "%B"), ("Mon", "%a"), ("Monday", "%A"), ("PM", "%p"), ("03", "%I"),
]  # fmt: skip


def _py_layout(layout: str) -> str:
    out = ""
    i = 0
    while i < len(layout):
        for go, py in sorted(_LAYOUT, key=lambda x: -len(x[0])):
            if layout.startswith(go, i):
                out += py
                i += len(go)
                break
        else:
            out += layout[i].replace("%", "%%")
            i += 1
    return out


def _parse(*a: Any) -> Any:
    nargs("parse", a, 2)
    layout, value = arg_str("parse", a, 0), arg_str("parse", a, 1)
    fmt = _py_layout(layout)
    v = value
    if "%z" in fmt and v.endswith("Z"):
        v = v[:-1] + "+0000"
    try:
        d = _dt.datetime.strptime(v, fmt)
    except ValueError as e:
        return go_error(f"parsing time {value!r}: {e}")
    if d.tzinfo is None:
        return _from_dt(d.replace(tzinfo=_dt.UTC), 0, "UTC")
    return _from_dt(d, 0, "" if d.utcoffset() else "UTC")


def _unix(*a: Any) -> Any:
    nargs("unix", a, 2)
    sec, ns = arg_int("unix", a, 0), arg_int("unix", a, 1)
    off = _local_offset()
    return Time(sec * 10**9 + ns, off, "Local")


def _local_offset() -> int:
    lt = _time.localtime()
    return lt.tm_gmtoff or 0


def _now(*a: Any) -> Time:
    return Time(_time.time_ns(), _local_offset(), _time.strftime("%Z"))


def _sleep(*a: Any) -> None:
    nargs("sleep", a, 1)
    _time.sleep(max(arg_int("sleep", a, 0), 0) / 1e9)


def _dur(name: str, fn: Any) -> Any:
    def f(*a: Any) -> Any:
        nargs(name, a, 1)
        return fn(arg_int(name, a, 0))

    return f


def _tfield(name: str, fn: Any) -> Any:
    def f(*a: Any) -> Any:
        nargs(name, a, 1)
        return fn(_time_arg(name, a, 0))

    return f


def _pd(*a: Any) -> Any:
    nargs("parse_duration", a, 1)
    s = arg_str("parse_duration", a, 0)
    v = parse_duration(s)
    return go_error(f'time: invalid duration "{s}"') if v is None else v


def _add_date(*a: Any) -> Any:
    """Go ``Time.AddDate``: calendar arithmetic, normalising overflowing
    months and days (Oct 31 + 1 month = Dec 1)."""
    nargs("add_date", a, 4)
    t = _time_arg("add_date", a, 0)
    years, months, days = (arg_int("add_date", a, i) for i in (1, 2, 3))
    d = to_datetime(t)
    total_months = d.year * 12 + (d.month - 1) + years * 12 + months
    y, m = divmod(total_months, 12)
    base = _dt.datetime(y, m + 1, 1) + _dt.timedelta(days=d.day - 1 + days)
    wall = base.replace(hour=d.hour, minute=d.minute, second=d.second)
    delta = wall - d
    return Time(t.ns + int(delta.total_seconds()) * 10**9, t.offset, t.zone)


def _time_format(*a: Any) -> Any:
    nargs("time_format", a, 2)
    return go_format(_time_arg("time_format", a, 0), arg_str("time_format", a, 1))


MODULE = module(
    "times",
    {
        "format_ansic": "Mon Jan _2 15:04:05 2006",
        "format_unix_date": "Mon Jan _2 15:04:05 MST 2006",
        "format_ruby_date": "Mon Jan 02 15:04:05 -0700 2006",
        "format_rfc822": "02 Jan 06 15:04 MST",
        "format_rfc822z": "02 Jan 06 15:04 -0700",
        "format_rfc850": "Monday, 02-Jan-06 15:04:05 MST",
        "format_rfc1123": "Mon, 02 Jan 2006 15:04:05 MST",
        "format_rfc1123z": "Mon, 02 Jan 2006 15:04:05 -0700",
        "format_rfc3339": "2006-01-02T15:04:05Z07:00",
        "format_rfc3339_nano": "2006-01-02T15:04:05.999999999Z07:00",
        "format_kitchen": "3:04PM",
        "format_stamp": "Jan _2 15:04:05",
        "format_stamp_milli": "Jan _2 15:04:05.000",
        "format_stamp_micro": "Jan _2 15:04:05.000000",
        "format_stamp_nano": "Jan _2 15:04:05.000000000",
        "nanosecond": 1,
        "microsecond": 1000,
        "millisecond": 10**6,
        "second": 10**9,
        "minute": 60 * 10**9,
        "hour": 3600 * 10**9,
        "january": 1,
        "february": 2,
        "march": 3,
        "april": 4,
        "may": 5,
        "june": 6,
        "july": 7,
        "august": 8,
        "september": 9,
        "october": 10,
        "november": 11,
        "december": 12,
        "sleep": _sleep,
        "parse_duration": _pd,
        "since": _tfield("since", lambda t: _time.time_ns() - t.ns),
        "until": _tfield("until", lambda t: t.ns - _time.time_ns()),
        "duration_hours": _dur("duration_hours", lambda d: d / 3.6e12),
        "duration_minutes": _dur("duration_minutes", lambda d: d / 6e10),
        "duration_nanoseconds": _dur("duration_nanoseconds", lambda d: d),
        "duration_seconds": _dur("duration_seconds", lambda d: d / 1e9),
        "duration_string": _dur("duration_string", duration_string),
        "month_string": _dur(
            "month_string", lambda m: MONTHS[m - 1] if 1 <= m <= 12 else f"%!Month({m})"
        ),
        "date": _date,
        "now": _now,
        "parse": _parse,
        "unix": _unix,
        "add": lambda *a: (
            nargs("add", a, 2),
            Time(_time_arg("add", a, 0).ns + arg_int("add", a, 1), a[0].offset, a[0].zone),
        )[1],
        "sub": lambda *a: (
            nargs("sub", a, 2),
            _time_arg("sub", a, 0).ns - _time_arg("sub", a, 1).ns,
        )[1],
        "after": lambda *a: (
            nargs("after", a, 2),
            _time_arg("after", a, 0).ns > _time_arg("after", a, 1).ns,
        )[1],
        "before": lambda *a: (
            nargs("before", a, 2),
            _time_arg("before", a, 0).ns < _time_arg("before", a, 1).ns,
        )[1],
        "time_year": _tfield("time_year", lambda t: to_datetime(t).year),
        "time_month": _tfield("time_month", lambda t: to_datetime(t).month),
        "time_day": _tfield("time_day", lambda t: to_datetime(t).day),
        "time_weekday": _tfield("time_weekday", lambda t: (to_datetime(t).weekday() + 1) % 7),
        "time_hour": _tfield("time_hour", lambda t: to_datetime(t).hour),
        "time_minute": _tfield("time_minute", lambda t: to_datetime(t).minute),
        "time_second": _tfield("time_second", lambda t: to_datetime(t).second),
        "time_nanosecond": _tfield("time_nanosecond", lambda t: t.ns % 10**9),
        "time_unix": _tfield("time_unix", lambda t: t.ns // 10**9),
        "time_unix_nano": _tfield("time_unix_nano", lambda t: t.ns),
        "time_string": _tfield("time_string", time_string),
        "time_location": _tfield("time_location", lambda t: t.zone),
        "to_utc": _tfield("to_utc", lambda t: Time(t.ns, 0, "UTC")),
        "time_format": _time_format,
        "add_date": _add_date,
        "to_local": _tfield("to_local", lambda t: Time(t.ns, _local_offset(), "Local")),
        "is_zero": _tfield("is_zero", lambda t: not bool(t)),
    },
)
