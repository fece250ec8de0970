"""Values crossing between Lua and Python keep their shape and type."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lupa import lua54

from engines.errors import ApiError
from engines.lua.convert import Converter, LuaCallable


@pytest.fixture(scope="module")
def lua():
    runtime = lua54.LuaRuntime(register_eval=False, unpack_returned_tuples=True)
    converter = Converter(
        runtime,
        wrap_python=lambda fn: runtime.eval(
            "function(f) return function(...) return f(...) end end"
        )(fn),
    )
    return runtime, converter


scalars = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.booleans()
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, min_size=1, max_size=5)
        | st.dictionaries(st.text(min_size=1), inner, min_size=1, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_like)
def test_round_trip_through_lua_keeps_values_and_types(lua, value):
    """Python -> Lua -> Python gives back an equal value with the same types."""
    runtime, converter = lua
    identity = runtime.eval("function(x) return x end")
    back = converter.to_python(identity(converter.to_lua(value)))
    assert back == value
    assert _types(back) == _types(value)


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value)


def test_integers_and_floats_stay_apart(lua):
    """3 stays an int and 3.0 stays a float, as Lua 5.4 keeps them."""
    runtime, converter = lua
    assert converter.to_python(runtime.eval("3")) == 3
    assert type(converter.to_python(runtime.eval("3"))) is int
    assert type(converter.to_python(runtime.eval("3.0"))) is float
    assert math.isinf(converter.to_python(runtime.eval("math.huge")))


def test_sequences_become_lists_and_tables_dicts(lua):
    """{1,2,3} is a list, {a=1} a dict, mixed keys a dict, {} an empty dict."""
    runtime, converter = lua
    assert converter.to_python(runtime.eval("{1, 2, 3}")) == [1, 2, 3]
    assert converter.to_python(runtime.eval("{a = 1, b = {c = true}}")) == {
        "a": 1,
        "b": {"c": True},
    }
    assert converter.to_python(runtime.eval("{1, 2, x = 3}")) == {1: 1, 2: 2, "x": 3}
    assert converter.to_python(runtime.eval("{}")) == {}


def test_nil_holes_in_sequences_become_none(lua):
    """A sequence with nil holes keeps its positions, holes as None."""
    runtime, converter = lua
    assert converter.to_python(runtime.eval("{1, nil, 3}")) == [1, None, 3]
    assert converter.to_python(runtime.eval("{[1] = 'a', [4] = 'd'}")) == ["a", None, None, "d"]


def test_sparse_integer_keys_stay_a_dict(lua):
    """Far-apart integer keys are not padded into a huge list."""
    runtime, converter = lua
    assert converter.to_python(runtime.eval("{[1] = 'a', [1000000] = 'b'}")) == {
        1: "a",
        1000000: "b",
    }


def test_cycles_are_a_clear_error(lua):
    """A table that contains itself is refused, not converted forever."""
    runtime, converter = lua
    cyclic = runtime.eval("(function() local t = {} t.self = {up = t} return t end)()")
    with pytest.raises(ApiError, match="cycle"):
        converter.to_python(cyclic)


def test_deep_but_acyclic_tables_convert(lua):
    """Nesting deeper than the cycle check still converts when there is no cycle."""
    runtime, converter = lua
    deep = runtime.eval(
        "(function() local t = {} local top = t for i = 1, 100 do t.n = {} t = t.n end return top end)()"
    )
    value = converter.to_python(deep)
    depth = 0
    while value:
        value = value["n"]
        depth += 1
    assert depth == 100


def test_lua_functions_are_callable_from_python(lua):
    """A Lua function reaches Python as a callable converting both ways."""
    runtime, converter = lua
    fn = converter.to_python(runtime.eval("function(t) return {sum = t[1] + t[2]} end"))
    assert isinstance(fn, LuaCallable)
    assert fn([2, 3]) == {"sum": 5}


def test_python_functions_are_callable_from_lua(lua):
    """A Python callable reaches Lua as a function."""
    runtime, converter = lua
    lua_fn = converter.to_lua({"f": lambda x: x * 2})
    assert runtime.eval("function(t) return t.f(21) end")(lua_fn) == 42
