"""Durations and sizes of limits."""

from __future__ import annotations

import pytest

from engines.spell.units import parse_duration, parse_size


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30s", 30.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("250ms", 0.25),
        ("1.5s", 1.5),
        ("10", 10.0),
        (" 3 S ", 3.0),
        (7, 7.0),
        (0.5, 0.5),
    ],
)
def test_parse_duration(value: str | float, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "s", "3d", "-1s", "0", 0, -2, "1m30s", True, None])
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("256MB", 256 * 10**6),
        ("1GiB", 2**30),
        ("512KiB", 512 * 1024),
        ("1.5GiB", 3 * 2**29),
        ("2kb", 2000),
        ("100B", 100),
        ("100", 100),
        (1024, 1024),
        ("1TiB", 2**40),
    ],
)
def test_parse_size(value: str | int, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["", "MB", "1PB", "-1MB", "0", 0, 1.5, "1 mega", False])
def test_parse_size_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_size(value)  # type: ignore[arg-type]
