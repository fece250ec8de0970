"""The declaration table matches the services, and the binding checks arguments uniformly."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from engines.api.binding import bind, make_caller, method_param_names, type_name
from engines.api.declarations import API, TYPES, Function, Module, Param, module
from engines.api.services import Services
from engines.errors import ApiError

DECLARED = [(mod, fn) for mod in API for fn in mod.functions]


def _ids(item: tuple[Module, Function]) -> str:
    return f"{item[0].name}.{item[1].name}"


@pytest.mark.parametrize("item", DECLARED, ids=[_ids(i) for i in DECLARED])
def test_declared_function_exists_with_declared_parameters(
    services: Services, item: tuple[Module, Function]
) -> None:
    """Each declared function is a method of its service with the same parameter names, in order."""
    mod, fn = item
    service = services.by_module()[mod.name]
    method = getattr(service, fn.name)
    assert callable(method)
    assert method_param_names(method) == tuple(p.name for p in fn.params)


@pytest.mark.parametrize("item", DECLARED, ids=[_ids(i) for i in DECLARED])
def test_optional_parameters_default_to_none(
    services: Services, item: tuple[Module, Function]
) -> None:
    """A declared optional parameter has a Python default of None (the binding passes nil)."""
    mod, fn = item
    method = getattr(services.by_module()[mod.name], fn.name)
    py_params = list(inspect.signature(method).parameters.values())
    for decl, py in zip(fn.params, py_params, strict=True):
        if decl.optional:
            assert py.default is None, f"{mod.name}.{fn.name}: {decl.name}"
        else:
            assert py.default is inspect.Parameter.empty, f"{mod.name}.{fn.name}: {decl.name}"


def test_declarations_use_known_types_and_unique_names() -> None:
    """Every parameter and return type is one of TYPES, and names are unique per module."""
    assert len({mod.name for mod in API}) == len(API)
    for mod in API:
        assert len({fn.name for fn in mod.functions}) == len(mod.functions), mod.name
        for fn in mod.functions:
            assert fn.returns in TYPES, f"{mod.name}.{fn.name}"
            assert fn.doc
            for p in fn.params:
                assert p.type in TYPES, f"{mod.name}.{fn.name}.{p.name}"


def test_optional_parameters_come_last() -> None:
    """No required parameter follows an optional one (trailing nils can be left off)."""
    for mod in API:
        for fn in mod.functions:
            flags = [p.optional for p in fn.params]
            assert flags == sorted(flags), f"{mod.name}.{fn.name}"


def test_bind_yields_every_declared_function(services: Services) -> None:
    """bind() produces one caller per declared function, named module.function."""
    bound = {f"{m.name}.{d.name}": call for m, d, call in bind(services.by_module())}
    assert set(bound) == {_ids(i) for i in DECLARED}
    assert bound["state.get"].__name__ == "state.get"
    assert bound["state.get"].__doc__ == module("state").function("get").doc


def test_bind_skips_missing_modules(services: Services) -> None:
    """Modules absent from the services mapping are not bound."""
    bound = {m.name for m, _, _ in bind({"json": services.json})}
    assert bound == {"json"}


def test_signature_and_lookup_helpers() -> None:
    """Function.signature marks optional params; module()/Module.function raise KeyError."""
    assert module("state").function("get").signature() == "get(path, default?, scope?)"
    with pytest.raises(KeyError):
        module("nope")
    with pytest.raises(KeyError):
        module("state").function("nope")


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "nil"),
        (True, "boolean"),
        (1, "number"),
        (1.5, "number"),
        ("s", "string"),
        ([], "table"),
        ({}, "table"),
        (len, "function"),
    ],
)
def test_type_name(value: Any, name: str) -> None:
    """type_name speaks the spell author's vocabulary."""
    assert type_name(value) == name


def test_wrong_type_message(api: dict[str, Callable[..., Any]]) -> None:
    """A wrong type names the argument position, name, function and both types."""
    with pytest.raises(ApiError) as err:
        api["state.get"](5)
    assert str(err.value) == "bad argument #1 'path' to 'state.get' (string expected, got number)"


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("state.set", (), "bad argument #1 'path' to 'state.set' (string expected, got nil)"),
        (
            "state.get",
            ("a", None, 3),
            "bad argument #3 'scope' to 'state.get' (string expected, got number)",
        ),
        (
            "state.restore",
            (True,),
            "bad argument #1 'id' to 'state.restore' (integer expected, got boolean)",
        ),
        (
            "state.restore",
            (2.5,),
            "bad argument #1 'id' to 'state.restore' (integer expected, got number)",
        ),
        (
            "log.info",
            ("m", [1]),
            "bad argument #2 'fields' to 'log.info' (object expected, got table)",
        ),
        (
            "events.subscribe",
            ("a", 5),
            "bad argument #2 'handler' to 'events.subscribe' (function expected, got number)",
        ),
        (
            "metrics.counter",
            ("c", "1"),
            "bad argument #2 'value' to 'metrics.counter' (number expected, got string)",
        ),
        (
            "metrics.gauge",
            ("g", True),
            "bad argument #2 'value' to 'metrics.gauge' (number expected, got boolean)",
        ),
        (
            "trace.with_span",
            ("s", None, lambda: 1),
            "bad argument #2 'attributes' to 'trace.with_span' (object expected, got nil)",
        ),
    ],
)
def test_bad_arguments(
    api: dict[str, Callable[..., Any]], name: str, args: tuple[Any, ...], message: str
) -> None:
    """Missing required and wrongly typed arguments raise ApiError with the uniform message."""
    with pytest.raises(ApiError) as err:
        api[name](*args)
    assert str(err.value) == message


def test_extra_arguments_rejected(api: dict[str, Callable[..., Any]]) -> None:
    """Real extra values are an error that says how many the function takes."""
    with pytest.raises(ApiError, match=r"json\.encode takes at most 1 arguments, got 2"):
        api["json.encode"](1, 2)


def test_trailing_nils_ignored(api: dict[str, Callable[..., Any]]) -> None:
    """Engines pad calls with trailing nils; those are not extra arguments."""
    assert api["json.encode"]([1], None, None) == "[1]"
    assert api["spell.name"](None) == "demo"


def test_required_any_parameter_accepts_nil(api: dict[str, Callable[..., Any]]) -> None:
    """A required 'any' parameter accepts nil, even when left off entirely."""
    assert api["json.encode"](None) == "null"
    assert api["json.encode"]() == "null"
    api["state.set"]("a", 1)
    assert api["state.set"]("a") is None  # nil value: deletes
    assert api["state.get"]("a", "gone") == "gone"


def test_optional_nils_use_defaults(api: dict[str, Callable[..., Any]]) -> None:
    """Optional arguments given as nil fall back to the service's defaults."""
    assert api["metrics.counter"]("c", None, None) == 1
    assert api["hooks.register"]("custom.x", lambda p: None, None) == 1


def _recorder(calls: list[tuple[Any, ...]]) -> Callable[..., Any]:
    def method(*args: Any) -> Any:
        calls.append(args)
        return args

    return method


def test_integer_coercion_of_whole_floats() -> None:
    """3.0 becomes the int 3 for an integer parameter."""
    calls: list[tuple[Any, ...]] = []
    state = module("state")
    call = make_caller(state, state.function("restore"), _recorder(calls))
    call(3.0, "run")
    assert calls == [(3, "run")]
    assert type(calls[0][0]) is int


def test_whole_float_beyond_64_bits_is_not_an_integer() -> None:
    """1e300 is whole but no engine integer; it is rejected rather than overflowing later."""
    calls: list[tuple[Any, ...]] = []
    state = module("state")
    call = make_caller(state, state.function("restore"), _recorder(calls))
    with pytest.raises(ApiError, match="integer expected, got number"):
        call(1e300)
    call(-(2.0**63))
    assert calls == [(-(2**63), None)]


def test_empty_table_accepted_as_array() -> None:
    """An empty dict (an empty engine table) is accepted as an array and passed as []."""
    calls: list[tuple[Any, ...]] = []
    fake = Module("fake", "doc", (Function("f", (Param("items", "array", "doc"),), "nil", "d"),))
    call = make_caller(fake, fake.functions[0], _recorder(calls))
    call({})
    call([1, 2])
    assert calls == [([],), ([1, 2],)]
    with pytest.raises(ApiError, match=r"array expected, got table"):
        call({"a": 1})


def test_missing_optional_arguments_are_padded_with_nil() -> None:
    """Left-off parameters reach the method as None so required 'any' parameters get nil."""
    calls: list[tuple[Any, ...]] = []
    state = module("state")
    call = make_caller(state, state.function("set"), _recorder(calls))
    call("a")
    assert calls == [("a", None, None)]
