"""Parsing of human-friendly limit values: durations ("30s", "2m") and sizes ("256MB", "1GiB").

Sizes follow the SI/IEC convention (as Kubernetes does): KB/MB/GB are powers of 1000,
KiB/MiB/GiB powers of 1024, so both spellings mean exactly what they say.
"""

from __future__ import annotations

import math
import re

DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$", re.IGNORECASE)

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def parse_duration(value: float | int | str) -> float:
    """Seconds from a number of seconds or a string like ``"500ms"``, ``"30s"``, ``"2m"``, ``"1h"``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif not isinstance(value, str):
        raise ValueError(f"expected seconds or a string like '30s', got {value!r}")
    else:
        match = DURATION_RE.match(value)
        if not match:
            raise ValueError(f"invalid duration {value!r} (use seconds or e.g. '30s', '2m', '1h')")
        seconds = float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "s").lower()]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"duration must be positive, got {value!r}")
    return seconds


def parse_size(value: int | str) -> int:
    """Bytes from an integer or a string like ``"512KiB"``, ``"256MB"``, ``"1GiB"``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size, got {value!r}")
    if isinstance(value, int):
        size = value
    elif not isinstance(value, str):
        raise ValueError(f"expected bytes or a string like '256MB', got {value!r}")
    else:
        match = SIZE_RE.match(value)
        if not match:
            raise ValueError(f"invalid size {value!r} (use bytes or e.g. '256MB', '1GiB')")
        size = round(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])
    if size <= 0:
        raise ValueError(f"size must be positive, got {value!r}")
    return size
