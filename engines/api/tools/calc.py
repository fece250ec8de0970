"""The `math` group: a calculator over a safe expression parser (Python's `ast`, walked by
hand: numbers, + - * / // % **, unary signs, parentheses, whitelisted functions and
constants — nothing else), statistics, and unit conversion."""

from __future__ import annotations

import ast
import math
import statistics as stats
from collections.abc import Callable
from typing import Any

from engines.api.context import RunContext
from engines.api.tools.common import ToolError
from engines.api.tools.registry import Tool, array, builtin_declarer, number, obj, string

TOOLS: list[Tool] = []
tool = builtin_declarer("math", TOOLS)

MAX_EXPRESSION = 1000
MAX_NODES = 500
MAX_INT_BITS = 4096  # integers past this many bits are refused (9**9**9 has ~1.2e9 bits)


def _factorial(n: float) -> int:
    if not float(n).is_integer() or n < 0:
        raise ToolError("factorial needs a whole number that is not negative")
    if n > 500:
        raise ToolError("factorial argument too large (at most 500)")
    return math.factorial(int(n))


def _log(x: float, base: float | None = None) -> float:
    return math.log(x) if base is None else math.log(x, base)


def _round(x: float, digits: float | None = None) -> float:
    return round(x) if digits is None else round(x, int(digits))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt,
    "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": _log,
    "ln": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "abs": abs,
    "round": _round,
    "floor": math.floor,
    "ceil": math.ceil,
    "trunc": math.trunc,
    "min": min,
    "max": max,
    "hypot": math.hypot,
    "degrees": math.degrees,
    "radians": math.radians,
    "factorial": _factorial,
    "gcd": lambda a, b: math.gcd(int(a), int(b)),
}
CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ToolError(f"number too large (more than {MAX_INT_BITS} bits)")
    return value


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        # Refuse before computing: the result has about exponent × bits(base) bits.
        if abs(base) > 1 and exponent * max(1, (abs(base)).bit_length() - 1) > MAX_INT_BITS:
            raise ToolError(
                f"exponent too large: {base}**{exponent} would exceed {MAX_INT_BITS} bits"
            )
    elif (
        isinstance(exponent, int | float)
        and abs(exponent) > 1_000_000
        and isinstance(base, int | float)
        and abs(base) not in (0, 1)
    ):
        raise ToolError("exponent too large")
    result = base**exponent
    if isinstance(result, complex):
        raise ToolError("the result is a complex number (a negative number to a fractional power)")
    return result


class Evaluator:
    def __init__(self, variables: dict[str, float]) -> None:
        self.names = {**CONSTANTS, **variables}

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return self.eval(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ToolError(f"only numbers are allowed, not {node.value!r}")
            return _check_size(node.value)
        if isinstance(node, ast.BinOp):
            left, right = self.eval(node.left), self.eval(node.right)
            if isinstance(node.op, ast.Pow):
                return _check_size(_power(left, right))
            operation = _BINARY.get(type(node.op))
            if operation is None:
                hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
                raise ToolError(f"operator {type(node.op).__name__} is not allowed{hint}")
            return _check_size(operation(left, right))
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return +value
            raise ToolError(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            raise ToolError(f"unknown name {node.id!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else "?"
                raise ToolError(
                    f"unknown function {name!r}; allowed: {', '.join(sorted(FUNCTIONS))}"
                )
            if node.keywords:
                raise ToolError("keyword arguments are not allowed")
            args = [self.eval(arg) for arg in node.args]
            return _check_size(FUNCTIONS[node.func.id](*args))
        raise ToolError(f"{type(node).__name__} is not allowed in an expression")


def evaluate(expression: str, variables: dict[str, float] | None = None) -> float | int:
    if len(expression) > MAX_EXPRESSION:
        raise ToolError(f"expression longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"invalid expression: {exc.msg} at column {exc.offset}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ToolError("invalid expression: nested too deeply") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ToolError(f"expression too long (more than {MAX_NODES} parts)")
    try:
        result = Evaluator(dict(variables or {})).eval(tree)
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except OverflowError:
        raise ToolError("the result is too large") from None
    except (ValueError, TypeError) as exc:
        raise ToolError(f"math error: {exc}") from None
    except RecursionError:
        raise ToolError("invalid expression: nested too deeply") from None
    if isinstance(result, float) and not math.isfinite(result):
        raise ToolError(f"the result is not a finite number ({result})")
    if isinstance(result, int) and not -(2**63) <= result < 2**63:
        return float(result)  # engines hold 64-bit integers
    return result


@tool(
    "calculate",
    "Evaluate an arithmetic expression safely, e.g. 'sqrt(2) * (3 + 4) ** 2'.",
    obj(
        {
            "expression": string(
                "Numbers, + - * / // % ** and parentheses, constants pi e tau, and functions "
                + ", ".join(sorted(FUNCTIONS))
                + ".",
                maxLength=MAX_EXPRESSION,
            ),
            "variables": {
                "type": "object",
                "description": "Named numbers the expression may use.",
                "additionalProperties": {"type": "number"},
            },
        },
        ["expression"],
    ),
)
def calculate(ctx: RunContext, args: dict[str, Any]) -> float | int:
    variables = args.get("variables") or {}
    for name in variables:
        if not name.isidentifier():
            raise ToolError(f"bad variable name {name!r}")
    return evaluate(args["expression"], variables)


def percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@tool(
    "statistics",
    "Count, sum, mean, median, mode, min, max, stdev, variance and percentiles of numbers.",
    obj(
        {
            "values": array("The numbers.", {"type": "number"}, minItems=1),
            "percentiles": array(
                "Percentiles to compute, 0 to 100, e.g. [50, 90, 99].",
                {"type": "number", "minimum": 0, "maximum": 100},
            ),
        },
        ["values"],
    ),
)
def statistics(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    values = args["values"]
    ordered = sorted(values)
    many = len(values) > 1
    result: dict[str, Any] = {
        "count": len(values),
        "sum": sum(values) if all(isinstance(v, int) for v in values) else math.fsum(values),
        "mean": stats.fmean(values),
        "median": stats.median(values),
        "mode": stats.mode(values),
        "min": ordered[0],
        "max": ordered[-1],
        "stdev": stats.stdev(values) if many else None,
        "variance": stats.variance(values) if many else None,
        "pstdev": stats.pstdev(values),
    }
    if args.get("percentiles"):
        result["percentiles"] = {
            f"p{p:g}": percentile(ordered, float(p)) for p in args["percentiles"]
        }
    return result


# Factors to the base unit of each kind; temperatures are handled apart.
_UNITS: dict[str, dict[str, float]] = {
    "length": {
        "m": 1, "km": 1000, "cm": 0.01, "mm": 0.001, "um": 1e-6, "nm": 1e-9,
        "mi": 1609.344, "yd": 0.9144, "ft": 0.3048, "in": 0.0254, "nmi": 1852,
    },
    "mass": {
        "kg": 1, "g": 0.001, "mg": 1e-6, "t": 1000, "lb": 0.45359237, "oz": 0.028349523125,
        "st": 6.35029318,
    },
    "time": {
        "s": 1, "ms": 0.001, "us": 1e-6, "ns": 1e-9, "min": 60, "h": 3600, "d": 86400,
        "week": 604800, "year": 31557600,
    },
    "volume": {
        "l": 1, "ml": 0.001, "m3": 1000, "gal": 3.785411784, "qt": 0.946352946,
        "pt": 0.473176473, "cup": 0.2365882365, "floz": 0.0295735295625,
    },
    "data": {
        "b": 1, "kb": 1000, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 1024, "mib": 1024**2,
        "gib": 1024**3, "tib": 1024**4, "bit": 0.125,
    },
    "speed": {"m/s": 1, "km/h": 1 / 3.6, "mph": 0.44704, "kn": 1852 / 3600},
    "area": {"m2": 1, "km2": 1e6, "cm2": 1e-4, "ha": 1e4, "acre": 4046.8564224, "ft2": 0.09290304},
}  # fmt: skip
_TEMPERATURES = {"c", "f", "k"}


def _to_kelvin(value: float, unit: str) -> float:
    return {"c": value + 273.15, "f": (value - 32) * 5 / 9 + 273.15, "k": value}[unit]


def _from_kelvin(value: float, unit: str) -> float:
    return {"c": value - 273.15, "f": (value - 273.15) * 9 / 5 + 32, "k": value}[unit]


@tool(
    "unit_convert",
    "Convert a value between units of length, mass, time, volume, data, speed, area or temperature.",
    obj(
        {
            "value": number("The amount."),
            "from": string('The unit converted from, e.g. "km", "lb", "F", "GiB".'),
            "to": string('The unit converted to, e.g. "mi", "kg", "C", "MB".'),
        },
        ["value", "from", "to"],
    ),
)
def unit_convert(ctx: RunContext, args: dict[str, Any]) -> dict[str, Any]:
    value = float(args["value"])
    source, target = args["from"].strip().lower(), args["to"].strip().lower()
    if source in _TEMPERATURES and target in _TEMPERATURES:
        result = _from_kelvin(_to_kelvin(value, source), target)
        return {"value": result, "unit": args["to"], "kind": "temperature"}
    for kind, table in _UNITS.items():
        if source in table and target in table:
            return {
                "value": value * table[source] / table[target],
                "unit": args["to"],
                "kind": kind,
            }
    known = sorted({u for t in _UNITS.values() for u in t} | {"C", "F", "K"})
    raise ToolError(
        f"cannot convert {args['from']!r} to {args['to']!r}; known units: {', '.join(known)}"
    )
