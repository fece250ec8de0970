"""Values crossing between JavaScript and Python keep their shape; numbers follow JS rules."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engines.api.services import Services
from engines.errors import ApiError
from engines.javascript.adapter import JavaScriptEngine
from engines.javascript.convert import MAX_SAFE_INTEGER, JSCallable
from engines.runner import context_for
from engines.spell.loader import load_spell


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    """An engine whose spell registered an identity hook: Python -> JS -> Python."""
    folder: Path = tmp_path_factory.mktemp("echo")
    (folder / "main.js").write_text("")
    spell = load_spell(folder / "main.js")
    services = Services(context_for(spell, {}, []))
    engine = JavaScriptEngine(services)
    engine.run(
        """
        hooks.register("custom.echo", (v) => ({value: v}));
        hooks.register("custom.kind", (v) => ({value: typeof v}));
        hooks.register("custom.eval", (code) => ({value: (0, eval)(code)}));
        """,
        "main.js",
    )

    def through(point: str, value):
        return engine.call(services.hooks.run, f"custom.{point}", value).payload["value"]

    yield through
    engine.close()
    services.close()


def normal(value):
    """What a Python value looks like after a trip through JavaScript numbers."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value)


scalars = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.booleans()
    | st.none()
)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_like)
def test_round_trip_through_javascript(echo, value):
    """Python -> JavaScript -> Python gives back an equal value (integral floats become ints)."""
    back = echo("echo", value)
    assert back == normal(value)
    assert _types(back) == _types(normal(value))


def test_numbers_follow_javascript_rules(echo):
    """Integral JS numbers are ints, others floats; big ints travel as BigInts, exactly."""
    assert echo("eval", "3") == 3 and type(echo("eval", "3")) is int
    assert type(echo("eval", "3.5")) is float
    assert echo("eval", "2 ** 60") == float(2**60) and type(echo("eval", "2 ** 60")) is float
    assert echo("eval", "12345678901234567890n") == 12345678901234567890
    assert echo("kind", 2**64) == "bigint" and echo("kind", 2**53 - 1) == "number"
    assert math.isnan(echo("eval", "NaN")) and echo("eval", "-Infinity") == -math.inf
    assert math.isinf(echo("echo", math.inf))


def test_shapes(echo):
    """Arrays are lists, objects dicts, undefined and null None, Maps/Sets/Dates readable."""
    assert echo("eval", "[1, [2, {a: null, b: undefined}]]") == [1, [2, {"a": None, "b": None}]]
    assert echo("eval", "new Map([['k', 1]])") == {"k": 1}
    assert echo("eval", "new Set([1, 2])") == [1, 2]
    assert echo("eval", "new Date(0)") == "1970-01-01T00:00:00.000Z"
    assert echo("eval", "new Uint8Array([1, 2])") == [1, 2]
    assert echo("echo", {"\x00": 1, "k": (2, 3)}) == {"\x00": 1, "k": [2, 3]}
    assert echo("echo", {1: "a"}) == {"1": "a"}


def test_awkward_keys_stay_keys(echo):
    """ "__proto__" and "constructor" are ordinary keys both ways, not prototypes."""
    value = {"__proto__": {"x": 1}, "constructor": 2, "\x00": 3}
    assert echo("echo", value) == value
    assert echo("eval", "JSON.parse('{\"__proto__\": 1}')") == {"__proto__": 1}


def test_cycles_are_a_clear_error(echo):
    """An object that contains itself is refused with a message naming the cycle."""
    with pytest.raises(Exception, match="cycle"):
        echo("eval", "(() => { const t = {}; t.self = {up: t}; return t; })()")
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(ApiError, match="cycle"):
        echo("echo", cyclic)


def test_repeated_references_are_not_cycles(echo):
    """The same object twice (not inside itself) converts twice."""
    assert echo("eval", "(() => { const o = {a: 1}; return [o, o]; })()") == [{"a": 1}, {"a": 1}]


def test_functions_cross_both_ways(echo):
    """A JS function reaches Python as a callable; a Python callable reaches JS as a function."""
    fn = echo("eval", "(t) => ({sum: t[0] + t[1]})")
    assert isinstance(fn, JSCallable)
    assert fn([2, 3]) == {"sum": 5}
    assert echo("kind", lambda x: x) == "function"
    assert echo("echo", fn) is not None


def test_python_objects_without_a_javascript_form(echo):
    """A Python object JSON cannot say is refused by name."""
    with pytest.raises(ApiError, match="has no JavaScript form"):
        echo("echo", object())
