"""The datetime tools: now (through the replay boundary), parse, format, add, diff, convert."""

from __future__ import annotations

import time


def test_datetime_now(box):
    """now gives the current time in the asked zone."""
    before = time.time()
    now = box.ok("datetime_now", {"timezone": "Europe/Paris"})
    assert before - 1 <= now["timestamp"] <= time.time() + 1
    assert now["timezone"] == "Europe/Paris"
    assert now["iso"].endswith(("+01:00", "+02:00"))
    assert box.ok("datetime_now", {})["timezone"] == "UTC"
    assert "unknown time zone" in box.error("datetime_now", {"timezone": "Mars/Olympus"})["message"]


def test_datetime_parse_iso_and_formats(box):
    """ISO 8601 (with Z or offsets) or a strptime format; naive times take `timezone`."""
    parsed = box.ok("datetime_parse", {"text": "2024-02-29T13:45:00Z"})
    assert parsed["iso"] == "2024-02-29T13:45:00+00:00"
    assert (parsed["year"], parsed["weekday"]) == (2024, "Thursday")
    local = box.ok("datetime_parse", {"text": "2024-07-01 09:00", "timezone": "America/New_York"})
    assert local["iso"] == "2024-07-01T09:00:00-04:00"
    custom = box.ok("datetime_parse", {"text": "05/03/2024 08:30", "format": "%d/%m/%Y %H:%M"})
    assert custom["iso"] == "2024-03-05T08:30:00+00:00"
    assert "not an ISO 8601" in box.error("datetime_parse", {"text": "yesterday"})["message"]
    error = box.error("datetime_parse", {"text": "2024", "format": "%d/%m"})
    assert "cannot parse" in error["message"]


def test_datetime_format(box):
    """strftime in the time's own zone or another one; epoch seconds are accepted."""
    assert (
        box.ok(
            "datetime_format", {"datetime": "2024-01-02T03:04:05+00:00", "format": "%Y/%m/%d %H:%M"}
        )
        == "2024/01/02 03:04"
    )
    assert (
        box.ok("datetime_format", {"datetime": 0, "format": "%H:%M", "timezone": "Asia/Kolkata"})
        == "05:30"
    )
    assert (
        box.error("datetime_format", {"datetime": True, "format": "%Y"})["type"]
        == "invalid_arguments"
    )


def test_datetime_add(box):
    """Adds and subtracts mixed units; out of range is an error."""
    added = box.ok("datetime_add", {"datetime": "2024-02-28T23:00:00Z", "days": 1, "hours": 2})
    assert added["iso"] == "2024-03-01T01:00:00+00:00"
    back = box.ok("datetime_add", {"datetime": "2024-01-01T00:00:00Z", "weeks": -1})
    assert back["iso"] == "2023-12-25T00:00:00+00:00"
    assert (
        "out of the supported"
        in box.error("datetime_add", {"datetime": "9999-12-31T00:00:00Z", "days": 5})["message"]
    )


def test_datetime_diff(box):
    """The difference in several units and a readable form, across zones."""
    diff = box.ok(
        "datetime_diff", {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T03:30:15+01:00"}
    )
    assert diff["seconds"] == 95415
    assert diff["human"] == "1d 2h 30m 15s"
    assert box.ok("datetime_diff", {"start": 60, "end": 0})["human"] == "-0h 1m 0s"
    assert box.error("datetime_diff", {"start": "x", "end": 0})["type"] == "tool_error"


def test_datetime_convert(box):
    """Same instant, another zone."""
    tokyo = box.ok(
        "datetime_convert", {"datetime": "2024-06-01T12:00:00Z", "timezone": "Asia/Tokyo"}
    )
    assert tokyo["iso"] == "2024-06-01T21:00:00+09:00"
    assert tokyo["timestamp"] == 1717243200
    assert (
        box.error("datetime_convert", {"datetime": 0, "timezone": "Nowhere/Zone"})["type"]
        == "tool_error"
    )
