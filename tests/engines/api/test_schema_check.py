"""The quick schema check never calls an invalid value valid, and knows the common cases."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engines.api.schema_check import certainly_valid

TOOL_ARGS = {
    "type": "object",
    "properties": {
        "expression": {"type": "string", "minLength": 1, "description": "what to compute"},
        "precision": {"type": "integer", "minimum": 0, "maximum": 15},
        "mode": {"type": "string", "enum": ["exact", "float"]},
        "values": {"type": "array", "items": {"type": "number"}, "maxItems": 3},
    },
    "required": ["expression"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    "value",
    [
        {"expression": "1+2"},
        {"expression": "x", "precision": 3, "mode": "exact", "values": [1, 2.5]},
        {"expression": "x", "precision": 2.0},
    ],
)
def test_common_valid_arguments_need_no_jsonschema(value):
    assert certainly_valid(TOOL_ARGS, value)
    jsonschema.validate(value, TOOL_ARGS)


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"expression": ""},
        {"expression": "x", "precision": -1},
        {"expression": "x", "precision": True},
        {"expression": "x", "mode": "fast"},
        {"expression": "x", "values": [1, 2, 3, 4]},
        {"expression": "x", "values": ["1"]},
        {"expression": "x", "other": 1},
        ["expression"],
    ],
)
def test_invalid_arguments_are_left_to_jsonschema(value):
    assert not certainly_valid(TOOL_ARGS, value)
    assert list(jsonschema.Draft202012Validator(TOOL_ARGS).iter_errors(value))


def test_unknown_keywords_are_left_to_jsonschema():
    assert not certainly_valid({"type": "string", "pattern": "^a"}, "abc")
    assert not certainly_valid({"anyOf": [{"type": "string"}]}, "abc")
    assert certainly_valid(True, 1) and certainly_valid({}, None)


TYPES = st.sampled_from(["string", "integer", "number", "boolean", "null", "array", "object"])
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5) | st.text(max_size=3)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=8,
)
leaf_schemas = st.fixed_dictionaries(
    {},
    optional={
        "type": TYPES | st.lists(TYPES, min_size=1, max_size=2),
        "minimum": st.integers(-3, 3),
        "exclusiveMaximum": st.floats(-3, 3),
        "minLength": st.integers(0, 2),
        "maxItems": st.integers(0, 2),
        "enum": st.lists(scalars, max_size=3),
        "const": scalars,
    },
)
schemas = st.recursive(
    leaf_schemas,
    lambda inner: st.fixed_dictionaries(
        {},
        optional={
            "type": TYPES,
            "properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
            "required": st.lists(st.sampled_from("abc"), max_size=2, unique=True),
            "additionalProperties": st.booleans() | inner,
            "items": inner,
        },
    ),
    max_leaves=6,
)


@settings(max_examples=2000, deadline=None)
@given(schemas, values)
def test_never_says_valid_when_jsonschema_says_invalid(schema, value):
    if certainly_valid(schema, value):
        assert jsonschema.Draft202012Validator(schema).is_valid(value), (schema, value)
