"""The ``math`` module: Go ``math`` constants and float functions."""

from __future__ import annotations

import math
from typing import Any

from ._util import arg_float, arg_int, module, nargs


def _f1(name: str, fn: Any) -> Any:
    def f(*args: Any) -> Any:
        nargs(name, args, 1)
        try:
            return float(fn(arg_float(name, args, 0)))
        except (ValueError, OverflowError):
            return math.nan

    return f


def _f2(name: str, fn: Any) -> Any:
    def f(*args: Any) -> Any:
        nargs(name, args, 2)
        try:
            return float(fn(arg_float(name, args, 0), arg_float(name, args, 1)))
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.nan

    return f


def _round(x: float) -> float:
    if x != x or math.isinf(x):
        return x
    return float(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


_FUNCS: dict[str, Any] = {
    "e": math.e, "pi": math.pi, "phi": (1 + math.sqrt(5)) / 2, "sqrt2": math.sqrt(2),
    "sqrtE": math.sqrt(math.e), "sqrtPi": math.sqrt(math.pi),
    "sqrtPhi": math.sqrt((1 + math.sqrt(5)) / 2), "ln2": math.log(2),
    "log2E": 1 / math.log(2), "ln10": math.log(10), "log10E": 1 / math.log(10),
    "maxFloat32": 3.40282346638528859811704183484516925440e38,
    "smallestNonzeroFloat32": 1.401298464324817070923729583289916131280e-45,
    "maxFloat64": 1.79769313486231570814527423731704356798070e308,
    "smallestNonzeroFloat64": 4.9406564584124654417656879286822137236505980e-324,
    "maxInt": (1 << 63) - 1, "minInt": -(1 << 63), "maxInt8": 127, "minInt8": -128,
    "maxInt16": 32767, "minInt16": -32768, "maxInt32": 2147483647, "minInt32": -2147483648,
    "maxInt64": (1 << 63) - 1, "minInt64": -(1 << 63),
    "abs": _f1("abs", abs), "acos": _f1("acos", math.acos), "acosh": _f1("acosh", math.acosh),
    "asin": _f1("asin", math.asin), "asinh": _f1("asinh", math.asinh),
    "atan": _f1("atan", math.atan), "atan2": _f2("atan2", math.atan2),
    "atanh": _f1("atanh", math.atanh), "cbrt": _f1("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x)),
    "ceil": _f1("ceil", lambda x: math.ceil(x) if math.isfinite(x) else x),
    "copysign": _f2("copysign", math.copysign), "cos": _f1("cos", math.cos),
    "cosh": _f1("cosh", math.cosh), "dim": _f2("dim", lambda a, b: max(a - b, 0.0)),
    "erf": _f1("erf", math.erf), "erfc": _f1("erfc", math.erfc), "exp": _f1("exp", math.exp),
    "exp2": _f1("exp2", lambda x: 2.0**x), "expm1": _f1("expm1", math.expm1),
    "floor": _f1("floor", lambda x: math.floor(x) if math.isfinite(x) else x),
    "gamma": _f1("gamma", math.gamma), "hypot": _f2("hypot", math.hypot),
    "ilogb": lambda *a: (nargs("ilogb", a, 1), math.frexp(arg_float("ilogb", a, 0))[1] - 1)[1],
    "inf": lambda *a: (nargs("inf", a, 1), math.inf if arg_int("inf", a, 0) >= 0 else -math.inf)[1],
    "is_inf": lambda *a: (nargs("is_inf", a, 2), _is_inf(arg_float("is_inf", a, 0), arg_int("is_inf", a, 1)))[1],
    "is_nan": lambda *a: (nargs("is_nan", a, 1), math.isnan(arg_float("is_nan", a, 0)))[1],
    "j0": _f1("j0", lambda x: math.nan), "log": _f1("log", math.log),
    "log10": _f1("log10", math.log10), "log1p": _f1("log1p", math.log1p),
    "log2": _f1("log2", math.log2), "logb": _f1("logb", lambda x: float(math.frexp(x)[1] - 1)),
    "max": _f2("max", max), "min": _f2("min", min), "mod": _f2("mod", math.fmod),
    "nan": lambda *a: math.nan, "nextafter": _f2("nextafter", math.nextafter),
    "pow": _f2("pow", math.pow), "pow10": lambda *a: (nargs("pow10", a, 1), 10.0 ** arg_int("pow10", a, 0))[1],
    "remainder": _f2("remainder", math.remainder), "round": _f1("round", _round),
    "round_to_even": _f1("round_to_even", lambda x: float(round(x)) if math.isfinite(x) else x),
    "signbit": lambda *a: (nargs("signbit", a, 1), math.copysign(1, arg_float("signbit", a, 0)) < 0)[1],
    "sin": _f1("sin", math.sin), "sinh": _f1("sinh", math.sinh), "sqrt": _f1("sqrt", math.sqrt),
    "tan": _f1("tan", math.tan), "tanh": _f1("tanh", math.tanh),
    "trunc": _f1("trunc", lambda x: float(math.trunc(x)) if math.isfinite(x) else x),
}  # fmt: skip


def _is_inf(x: float, sign: int) -> bool:
    return (sign >= 0 and x == math.inf) or (sign <= 0 and x == -math.inf)


MODULE = module("math", _FUNCS)
