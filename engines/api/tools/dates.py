"""The `datetime` group: now, parse, format, add, diff and convert between time zones
(zoneinfo). A time travels as ISO 8601 text or seconds since the epoch; results describe it
as {iso, timestamp, timezone, year, month, day, hour, minute, second, weekday}."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engines.api.context import RunContext
from engines.api.tools.common import ToolError
from engines.api.tools.registry import Tool, builtin_declarer, number, obj, string

TOOLS: list[Tool] = []
tool = builtin_declarer("datetime", TOOLS)

_TZ = string('An IANA time zone such as "Europe/Paris", or "UTC"; default UTC.')
_WHEN = {
    "type": ["string", "number"],
    "description": "A time: ISO 8601 text (e.g. 2024-05-01T12:00:00+02:00) or seconds since the epoch.",
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zone(name: str | None) -> tzinfo:
    if name is None or name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            f"unknown time zone {name!r} (use an IANA name like 'Europe/Paris')"
        ) from None


def to_datetime(value: Any, tz_name: str | None = None) -> datetime:
    """A time value as an aware datetime; a time without an offset is in `tz_name` (UTC)."""
    if isinstance(value, bool):
        raise ToolError("a time must be ISO 8601 text or a number of seconds")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC).astimezone(zone(tz_name))
        except (OverflowError, OSError, ValueError):
            raise ToolError(f"timestamp out of range: {value}") from None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ToolError(f"not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(tz_name))


def describe(moment: datetime) -> dict[str, Any]:
    tz = moment.tzinfo
    name = getattr(tz, "key", None) or (moment.tzname() if tz is not UTC else "UTC")
    return {
        "iso": moment.isoformat(),
        "timestamp": moment.timestamp(),
        "timezone": name,
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
        "weekday": _WEEKDAYS[moment.weekday()],
    }


@tool(
    "datetime_now",
    "The current date and time in a time zone.",
    obj({"timezone": _TZ}),
)
def datetime_now(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    tz = zone(args.get("timezone"))
    now = float(ctx.nondeterministic("time", time.time))
    return describe(datetime.fromtimestamp(now, UTC).astimezone(tz))


@tool(
    "datetime_parse",
    "Parse a date/time from ISO 8601 text or with a strptime format string.",
    obj(
        {
            "text": string("The text to parse."),
            "format": string('A strptime format, e.g. "%d/%m/%Y %H:%M"; ISO 8601 when omitted.'),
            "timezone": string("The zone of a time that carries no offset; default UTC."),
        },
        ["text"],
    ),
)
def datetime_parse(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    text = args["text"]
    if args.get("format"):
        try:
            parsed = datetime.strptime(text, args["format"])
        except ValueError as exc:
            raise ToolError(f"cannot parse {text!r}: {exc}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone(args.get("timezone")))
        return describe(parsed)
    return describe(to_datetime(text, args.get("timezone")))


@tool(
    "datetime_format",
    "Format a time with a strftime format string, in a time zone.",
    obj(
        {
            "datetime": _WHEN,
            "format": string('A strftime format, e.g. "%A %d %B %Y, %H:%M".'),
            "timezone": string("Show the time in this zone; default: the time's own zone."),
        },
        ["datetime", "format"],
    ),
)
def datetime_format(ctx: RunContext, args: dict[str, Any]) -> str:
    moment = to_datetime(args["datetime"])
    if args.get("timezone"):
        moment = moment.astimezone(zone(args["timezone"]))
    try:
        return moment.strftime(args["format"])
    except ValueError as exc:
        raise ToolError(f"bad format: {exc}") from None


_AMOUNT = number("May be negative or fractional.")


@tool(
    "datetime_add",
    "Add (or subtract, with negative amounts) weeks, days, hours, minutes, seconds to a time.",
    obj(
        {
            "datetime": _WHEN,
            "weeks": _AMOUNT,
            "days": _AMOUNT,
            "hours": _AMOUNT,
            "minutes": _AMOUNT,
            "seconds": _AMOUNT,
        },
        ["datetime"],
    ),
)
def datetime_add(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    moment = to_datetime(args["datetime"])
    parts = {k: float(args.get(k, 0)) for k in ("weeks", "days", "hours", "minutes", "seconds")}
    try:
        # Wall-clock arithmetic in the time's zone, as people expect across DST changes.
        shifted = moment + timedelta(**parts)
    except OverflowError:
        raise ToolError("the result is out of the supported date range") from None
    return describe(shifted)


@tool(
    "datetime_diff",
    "The time between two times: total seconds, minutes, hours, days, and a readable form.",
    obj({"start": _WHEN, "end": _WHEN}, ["start", "end"]),
)
def datetime_diff(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    start, end = to_datetime(args["start"]), to_datetime(args["end"])
    seconds = (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()
    sign = "-" if seconds < 0 else ""
    rest = int(abs(seconds))
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    readable = (
        f"{sign}{days}d {hours}h {minutes}m {secs}s"
        if days
        else f"{sign}{hours}h {minutes}m {secs}s"
    )
    return {
        "seconds": seconds,
        "minutes": seconds / 60,
        "hours": seconds / 3600,
        "days": seconds / 86400,
        "human": readable,
    }


@tool(
    "datetime_convert",
    "Show a time in another time zone.",
    obj({"datetime": _WHEN, "timezone": _TZ}, ["datetime", "timezone"]),
)
def datetime_convert(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    return describe(to_datetime(args["datetime"]).astimezone(zone(args["timezone"])))
