"""A quick, import-free check that a value certainly satisfies a JSON Schema.

Importing `jsonschema` costs about 100 ms, more than most tool calls. Nearly every value we
check (tool arguments, structured answers, guardrails) is valid, and nearly every schema uses a
handful of keywords, so `certainly_valid` answers True for those without jsonschema. Anything
else, an invalid value or a keyword it does not know, answers False, and the caller asks
jsonschema, which gives the exact message. It may say False for a valid value; never True for
an invalid one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keywords that never make a value invalid.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "$schema", "$id", "deprecated"}
    | {"readOnly", "writeOnly"}
)
_HANDLED = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum", "const"}
    | {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"}
    | {"minItems", "maxItems", "uniqueItems"}
)


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    return False


def _plain_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def certainly_valid(schema: Any, value: Any) -> bool:
    """True only when `value` satisfies `schema` (a schema this module fully understands)."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, Mapping):
        return False
    for keyword in schema:
        if keyword not in _HANDLED and keyword not in _ANNOTATIONS:
            return False
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        if not isinstance(kinds, list) or not any(_is_type(value, k) for k in kinds):
            return False
    if "enum" in schema or "const" in schema:
        # Equality in JSON Schema tells true from 1; Python's == does not: leave it to jsonschema
        # unless the value is a string.
        if not isinstance(value, str):
            return False
        if "const" in schema and value != schema["const"]:
            return False
        allowed = schema.get("enum", [value])
        if not isinstance(allowed, list) or value not in allowed:
            return False
    if isinstance(value, str) and not _length_ok(schema, len(value), "minLength", "maxLength"):
        return False
    if _plain_number(value) and not _range_ok(schema, value):
        return False
    if isinstance(value, list) and not _array_ok(schema, value):
        return False
    return not isinstance(value, dict) or _object_ok(schema, value)


def _length_ok(schema: Mapping[str, Any], size: int, low: str, high: str) -> bool:
    lowest, highest = schema.get(low), schema.get(high)
    if lowest is not None and not (isinstance(lowest, int) and size >= lowest):
        return False
    return highest is None or (isinstance(highest, int) and size <= highest)


def _range_ok(schema: Mapping[str, Any], number: float) -> bool:
    checks = (
        ("minimum", lambda bound: number >= bound),
        ("maximum", lambda bound: number <= bound),
        ("exclusiveMinimum", lambda bound: number > bound),
        ("exclusiveMaximum", lambda bound: number < bound),
    )
    for keyword, holds in checks:
        bound = schema.get(keyword)
        if bound is not None and not (_plain_number(bound) and holds(bound)):
            return False
    return True


def _array_ok(schema: Mapping[str, Any], items: list[Any]) -> bool:
    if not _length_ok(schema, len(items), "minItems", "maxItems"):
        return False
    if schema.get("uniqueItems"):
        return False  # rare; jsonschema's notion of equality is subtle
    item_schema = schema.get("items")
    return item_schema is None or all(certainly_valid(item_schema, item) for item in items)


def _object_ok(schema: Mapping[str, Any], fields: dict[str, Any]) -> bool:
    properties = schema.get("properties") or {}
    required = schema.get("required") or []
    if not isinstance(properties, Mapping) or not isinstance(required, list):
        return False
    if any(name not in fields for name in required):
        return False
    extra = schema.get("additionalProperties", True)
    for name, field_value in fields.items():
        if not isinstance(name, str):
            return False
        if name in properties:
            if not certainly_valid(properties[name], field_value):
                return False
        elif extra is False or (extra is not True and not certainly_valid(extra, field_value)):
            return False
    return True
