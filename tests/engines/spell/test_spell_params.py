"""Parameter parsing (--param, --params FILE) and resolution against declared types."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engines.spell import (
    ParamError,
    Spell,
    SpellLoadError,
    load_params_file,
    load_spell,
    parse_param_args,
    resolve_params,
)

MakeSpell = Callable[..., Path]

MANIFEST = """\
name: typed
parameters:
  s: {type: string, default: hi}
  i: {type: integer}
  n: {type: number}
  b: {type: boolean}
  a: {type: array}
  o: {type: object}
  color: {type: string, enum: [red, green], default: red}
  size: {type: integer, enum: [1, 2, 3]}
  who: {type: string, required: true}
"""


@pytest.fixture
def spell(make_spell: MakeSpell) -> Spell:
    return load_spell(make_spell(MANIFEST))


def resolve(spell: Spell, cli: dict[str, str] | None = None, **file: Any) -> dict[str, Any]:
    return resolve_params(spell, file, {"who": "me", **(cli or {})})


def param_problems(spell: Spell, cli: dict[str, str], **file: Any) -> list[str]:
    with pytest.raises(ParamError) as info:
        resolve_params(spell, file, cli)
    return info.value.problems


def test_defaults_apply_and_optional_ones_are_left_out(spell: Spell) -> None:
    assert resolve(spell) == {"s": "hi", "color": "red", "who": "me"}


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("s", "", ""),
        ("s", "42", "42"),
        ("i", "42", 42),
        ("i", "-7", -7),
        ("i", "+3", 3),
        ("n", "2.5", 2.5),
        ("n", "4", 4),
        ("n", "-1e3", -1000.0),
        ("n", ".5", 0.5),
        ("b", "true", True),
        ("b", "YES", True),
        ("b", "1", True),
        ("b", "False", False),
        ("b", "no", False),
        ("b", "0", False),
        ("a", '[1, "x"]', [1, "x"]),
        ("o", '{"k": [1]}', {"k": [1]}),
        ("size", "2", 2),
    ],
)
def test_cli_coercion(spell: Spell, name: str, text: str, value: Any) -> None:
    result = resolve(spell, {name: text})
    assert result[name] == value
    assert type(result[name]) is type(value)


@pytest.mark.parametrize(
    ("name", "text", "wanted"),
    [
        ("i", "4.2", "an integer"),
        ("i", "abc", "an integer"),
        ("i", "", "an integer"),
        ("i", "1_000", "an integer"),
        ("n", "nan", "a number"),
        ("n", "inf", "a number"),
        ("n", "1e999", "a number"),
        ("n", "two", "a number"),
        ("b", "maybe", "a boolean"),
        ("a", '{"k": 1}', "an array"),
        ("a", "[1,", "an array"),
        ("o", "[]", "an object"),
    ],
)
def test_cli_coercion_errors(spell: Spell, name: str, text: str, wanted: str) -> None:
    (problem,) = param_problems(spell, {"who": "me", name: text})
    assert problem.startswith(f"parameter {name!r}: expected {wanted}, got {text!r}")
    assert problem.endswith("(from --param)")


def test_file_values_are_typed_strictly(spell: Spell) -> None:
    ok = resolve(spell, i=3, n=3, b=False, a=[], o={}, s="x")
    assert (ok["i"], ok["n"], ok["b"], ok["a"], ok["o"], ok["s"]) == (3, 3, False, [], {}, "x")
    assert resolve(spell, n=0.25)["n"] == 0.25
    problems = param_problems(spell, {"who": "me"}, i=3.0, n=True, b="true", s=5, a={}, o=[])
    assert len(problems) == 6
    assert "parameter 'i': expected an integer, got number 3.0 (from params file)" in problems
    assert "parameter 'b': expected a boolean, got string \"true\" (from params file)" in problems
    assert "parameter 'n': expected a number, got boolean true (from params file)" in problems


def test_cli_overrides_file(spell: Spell) -> None:
    assert resolve(spell, {"i": "5"}, i=1)["i"] == 5
    # An ill-typed file value is irrelevant once the CLI overrides it.
    assert resolve(spell, {"i": "5"}, i="one")["i"] == 5
    assert resolve_params(spell, {"who": "file"}, {})["who"] == "file"


def test_enum_violation(spell: Spell) -> None:
    (problem,) = param_problems(spell, {"who": "me", "color": "blue"})
    assert problem == 'parameter \'color\': expected one of "red", "green", got "blue"'
    (problem,) = param_problems(spell, {"who": "me"}, size=5)
    assert "expected one of 1, 2, 3, got 5" in problem


def test_missing_required(spell: Spell) -> None:
    (problem,) = param_problems(spell, {})
    assert problem == "parameter 'who': required but not given (use --param who=...)"


def test_unknown_with_suggestion(spell: Spell) -> None:
    problems = param_problems(spell, {"who": "me", "colour": "red", "zzz": "1"})
    assert problems == [
        "unknown parameter 'colour' — did you mean 'color'?",
        "unknown parameter 'zzz' (declared: s, i, n, b, a, o, color, size, who)",
    ]


def test_every_problem_at_once(spell: Spell) -> None:
    problems = param_problems(spell, {"i": "x", "b": "x", "siz": "1"})
    assert len(problems) == 4
    assert any("'who'" in p for p in problems)
    assert isinstance(ParamError(problems), SpellLoadError)


def test_manifest_without_parameters_rejects_any(make_spell: MakeSpell) -> None:
    spell = load_spell(make_spell("name: plain\n"))
    with pytest.raises(ParamError, match="this spell declares no parameters"):
        resolve_params(spell, {}, {"x": "1"})


def test_single_file_spell_accepts_parameters_as_given(tmp_path: Path) -> None:
    path = tmp_path / "free.lua"
    path.write_text("print(1)\n")
    spell = load_spell(path)
    assert resolve_params(spell, {"n": 3, "x": "file"}, {"x": "cli"}) == {"n": 3, "x": "cli"}


def test_default_is_copied(make_spell: MakeSpell) -> None:
    spell = load_spell(make_spell("name: x\nparameters:\n  l: {type: array, default: [1]}\n"))
    resolve_params(spell, {}, {})["l"].append(2)
    assert resolve_params(spell, {}, {})["l"] == [1]


def test_parse_param_args() -> None:
    assert parse_param_args(["a=1", "b=x=y", "c=", " d =v", "a=2"]) == {
        "a": "2",
        "b": "x=y",
        "c": "",
        "d": "v",
    }
    assert parse_param_args([]) == {}


def test_parse_param_args_errors() -> None:
    with pytest.raises(ParamError) as info:
        parse_param_args(["ok=1", "novalue", "=v"])
    assert info.value.problems == [
        "--param 'novalue': expected KEY=VALUE",
        "--param '=v': the parameter name before '=' is empty",
    ]


def test_load_params_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"a": 1, "b": [true], "c": {"d": null}}')
    assert load_params_file(path) == {"a": 1, "b": [True], "c": {"d": None}}
    assert load_params_file(str(path))["a"] == 1


def test_params_file_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{\n  "a": 1,\n  "b": oops\n}\n')
    with pytest.raises(ParamError) as info:
        load_params_file(path)
    assert str(info.value) == f"{path}:3:8: invalid JSON: Expecting value"
    assert (info.value.file, info.value.line) == (path, 3)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"[1, 2]", "must hold a JSON object, got array"),
        (b'"text"', "must hold a JSON object, got string"),
        (b'{"a": NaN}', "NaN is not valid JSON"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"", "invalid JSON"),
    ],
)
def test_params_file_errors(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    with pytest.raises(ParamError) as info:
        load_params_file(path)
    assert fragment in str(info.value)
    assert str(info.value).startswith(str(path))


def test_params_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match="cannot read params file"):
        load_params_file(tmp_path / "missing.json")


def test_params_file_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert load_params_file(path) == {"a": 1}
