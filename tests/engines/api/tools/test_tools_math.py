"""The math tools: the safe calculator, statistics and unit conversion."""

from __future__ import annotations

import math
import time

import pytest


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 // 2 + 7 % 2", 4),
        ("2 ** 10", 1024),
        ("-3 ** 2", -9),
        ("sqrt(16) + abs(-2)", 6.0),
        ("round(pi, 3)", 3.142),
        ("max(1, 5, 3) - min(4, 2)", 3),
        ("log(e)", 1.0),
        ("log(8, 2)", 3.0),
        ("factorial(5)", 120),
        ("2 ** 70", 2.0**70),
    ],
)
def test_calculate(box, expression, expected):
    """Arithmetic, precedence, functions and constants."""
    assert box.ok("calculate", {"expression": expression}) == pytest.approx(expected)


def test_calculate_variables(box):
    """Named numbers from `variables` may be used."""
    assert (
        box.ok("calculate", {"expression": "rate * hours", "variables": {"rate": 2.5, "hours": 4}})
        == 10.0
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('id')", "unknown function"),
        ("().__class__", "not allowed"),
        ("a.b", "not allowed"),
        ("open('x')", "unknown function"),
        ("'text'", "only numbers"),
        ("[1, 2]", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("x", "unknown name 'x'"),
        ("2 ^ 3", "use ** for powers"),
        ("1 / 0", "division by zero"),
        ("sqrt(-1)", "math error"),
        ("(-8) ** 0.5", "complex"),
        ("1 +", "invalid expression"),
        ("round(x=1)", "not allowed"),
        ("10.0 ** 400", "too large"),
    ],
)
def test_calculate_refuses_anything_else(box, expression, message):
    """Names, attributes, strings, calls outside the whitelist, bad maths: tool errors."""
    error = box.error("calculate", {"expression": expression})
    assert error["type"] == "tool_error"
    assert message in error["message"]


@pytest.mark.parametrize(
    "expression", ["9**9**9", "2**10000000", "(10**100)**(10**100)", "factorial(10**6)"]
)
def test_huge_powers_are_refused_quickly(box, expression):
    """Results too large to compute are refused before computing them."""
    started = time.perf_counter()
    error = box.error("calculate", {"expression": expression})
    assert time.perf_counter() - started < 0.5
    assert "too large" in error["message"]


def test_deep_nesting_and_long_input_are_refused(box):
    """Deeply nested or very long expressions fail cleanly."""
    assert (
        box.error("calculate", {"expression": "(" * 300 + "1" + ")" * 300})["type"] == "tool_error"
    )
    assert box.error("calculate", {"expression": "1+" * 600 + "1"})["type"] == "invalid_arguments"


def test_statistics(box):
    """All the measures, with linear-interpolated percentiles."""
    result = box.ok("statistics", {"values": [2, 4, 4, 4, 5, 5, 7, 9], "percentiles": [25, 50, 90]})
    assert result["count"] == 8 and result["sum"] == 40
    assert (result["mean"], result["median"], result["mode"]) == (5.0, 4.5, 4)
    assert (result["min"], result["max"]) == (2, 9)
    assert result["pstdev"] == 2.0
    assert result["variance"] == pytest.approx(32 / 7)
    assert result["stdev"] == pytest.approx(math.sqrt(32 / 7))
    assert result["percentiles"] == {"p25": 4.0, "p50": 4.5, "p90": pytest.approx(7.6)}
    single = box.ok("statistics", {"values": [3.5]})
    assert single["stdev"] is None and single["median"] == 3.5


def test_statistics_needs_numbers(box):
    """An empty list or a non-number is refused by the schema."""
    assert box.error("statistics", {"values": []})["type"] == "invalid_arguments"
    assert box.error("statistics", {"values": [1, "2"]})["type"] == "invalid_arguments"
    assert (
        box.error("statistics", {"values": [1], "percentiles": [101]})["type"]
        == "invalid_arguments"
    )


def test_unit_convert(box):
    """Length, mass, data, temperature; units of different kinds are refused."""
    assert box.ok("unit_convert", {"value": 5, "from": "km", "to": "mi"})["value"] == pytest.approx(
        3.10686, rel=1e-5
    )
    assert box.ok("unit_convert", {"value": 1, "from": "lb", "to": "g"})["value"] == pytest.approx(
        453.59237
    )
    assert box.ok("unit_convert", {"value": 1, "from": "GiB", "to": "MB"})[
        "value"
    ] == pytest.approx(1073.741824)
    temperature = box.ok("unit_convert", {"value": 100, "from": "C", "to": "F"})
    assert temperature == {"value": pytest.approx(212.0), "unit": "F", "kind": "temperature"}
    assert (
        "cannot convert"
        in box.error("unit_convert", {"value": 1, "from": "kg", "to": "m"})["message"]
    )
