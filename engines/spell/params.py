"""Typed spell parameters: declaration, ``--param``/``--params`` parsing and resolution.

Values arrive from two places: a JSON file (``--params FILE.json``, already typed) and
repeated ``--param key=value`` (always strings, coerced to the declared type). CLI values
override file values, then defaults apply; every problem is reported at once.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engines.spell.errors import ParamError

if TYPE_CHECKING:
    from engines.spell.model import Spell

PARAM_TYPES = ("string", "integer", "number", "boolean", "array", "object")

_INT_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}


@dataclass(frozen=True)
class ParameterSpec:
    """A declared parameter. ``default`` is None when there is none (YAML ``null`` included)."""

    name: str
    type: str = "string"
    default: Any = None
    required: bool = False
    enum: tuple[Any, ...] | None = None
    description: str = ""


def json_type(value: Any) -> str:
    """The JSON type name of a Python value, as used in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def matches_type(value: Any, type_: str) -> bool:
    """Whether an already-typed value has the declared type; strict except int for number."""
    actual = json_type(value)
    if type_ == "number":
        return actual == "integer" or (actual == "number" and math.isfinite(value))
    return actual == type_


def expected(type_: str) -> str:
    return _EXPECTED.get(type_, type_)


def coerce_cli(text: str, type_: str) -> Any:
    """Convert a ``--param`` string to ``type_``; raises ValueError with a short reason."""
    if type_ == "string":
        return text
    if type_ == "integer":
        if _INT_RE.match(text):
            return int(text)
        raise ValueError
    if type_ == "number":
        if _INT_RE.match(text):
            return int(text)
        if _NUMBER_RE.match(text) and math.isfinite(float(text)):
            return float(text)
        raise ValueError
    if type_ == "boolean":
        try:
            return _BOOLEANS[text.strip().lower()]
        except KeyError:
            raise ValueError from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not matches_type(value, type_):
        raise ValueError(f"JSON {json_type(value)}")
    return value


def parse_param_args(pairs: list[str]) -> dict[str, str]:
    """Parse repeated ``--param key=value`` arguments; a later key wins over an earlier one."""
    result: dict[str, str] = {}
    problems: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            problems.append(f"--param {pair!r}: expected KEY=VALUE")
        elif not key:
            problems.append(f"--param {pair!r}: the parameter name before '=' is empty")
        else:
            result[key] = value
    if problems:
        raise ParamError(problems)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a ``--params`` JSON file whose top level must be an object."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ParamError([f"{path}: cannot read params file: {exc.strerror}"], path) from exc
    except UnicodeDecodeError as exc:
        raise ParamError([f"{path}: params file is not UTF-8 ({exc.reason})"], path) from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
        raise ParamError([message], path, exc.lineno) from exc
    except ValueError as exc:
        raise ParamError([f"{path}: invalid JSON: {exc}"], path) from exc
    if not isinstance(data, dict):
        message = f"{path}: params file must hold a JSON object, got {json_type(data)}"
        raise ParamError([message], path, 1)
    return data


def _unknown(name: str, declared: dict[str, ParameterSpec]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(declared), n=1)
    if close:
        return f"unknown parameter {name!r} — did you mean {close[0]!r}?"
    if declared:
        return f"unknown parameter {name!r} (declared: {', '.join(declared)})"
    return f"unknown parameter {name!r} (this spell declares no parameters)"


def resolve_params(
    spell: Spell, from_file: dict[str, Any], from_cli: dict[str, str]
) -> dict[str, Any]:
    """The typed parameter values a spell runs with.

    A single-file spell (no manifest) has nothing to declare parameters with, so it accepts
    every parameter as given: strings from the CLI, JSON values from the file. A spell with a
    manifest only accepts declared parameters. Optional parameters with neither a value nor a
    default are left out of the result.
    """
    if spell.manifest_path is None and not spell.parameters:
        return {**from_file, **from_cli}
    declared = spell.parameters
    given = dict.fromkeys([*from_file, *from_cli])
    problems = [_unknown(name, declared) for name in given if name not in declared]
    result: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in from_cli:
            text = from_cli[name]
            try:
                value = coerce_cli(text, spec.type)
            except ValueError as exc:
                why = f" ({exc})" if str(exc) else ""
                problems.append(
                    f"parameter {name!r}: expected {expected(spec.type)}, got {text!r}{why}"
                    " (from --param)"
                )
                continue
        elif name in from_file:
            value = from_file[name]
            if not matches_type(value, spec.type):
                problems.append(
                    f"parameter {name!r}: expected {expected(spec.type)}, got "
                    f"{json_type(value)} {json.dumps(value)} (from params file)"
                )
                continue
        elif spec.default is not None:
            value = copy.deepcopy(spec.default)
        else:
            if spec.required:
                problems.append(
                    f"parameter {name!r}: required but not given (use --param {name}=...)"
                )
            continue
        if spec.enum is not None and value not in spec.enum:
            choices = ", ".join(json.dumps(v) for v in spec.enum)
            problems.append(
                f"parameter {name!r}: expected one of {choices}, got {json.dumps(value)}"
            )
            continue
        result[name] = value
    if problems:
        raise ParamError(problems)
    return result
