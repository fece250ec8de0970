"""Invalid manifests: every problem is reported, each with file, line, path and message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engines.spell import ManifestError, Problem, SpellLoadError, load_spell

MakeSpell = Callable[..., Path]


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ManifestError) as info:
        load_spell(folder)
    return info.value.problems


def only(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, problems
    return problems[0]


def test_unknown_key_suggests_closest(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\nparamters:\n  a: {type: string}\n")
    problem = only(folder)
    assert problem.file == folder / "spell.yaml"
    assert problem.line == 2
    assert problem.path == "paramters"
    assert problem.message == "unknown key 'paramters' — did you mean 'parameters'?"
    assert str(problem) == (
        f"{folder / 'spell.yaml'}:2: paramters: unknown key 'paramters' — did you mean 'parameters'?"
    )


def test_nested_unknown_key(make_spell: MakeSpell) -> None:
    folder = make_spell(
        """\
        name: x
        parameters:
          a:
            type: string
            defualt: hi
        limits:
          timout: 3
        """
    )
    first, second = problems_of(folder)
    assert (first.line, first.path) == (5, "parameters.a.defualt")
    assert "did you mean 'default'?" in first.message
    assert (second.line, second.path) == (7, "limits.timout")
    assert "did you mean 'timeout'?" in second.message


def test_unknown_key_without_close_match_lists_known(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\nzzzzzz: 1\n"))
    assert "known keys:" in problem.message and "parameters" in problem.message


def test_wrong_type_has_line(make_spell: MakeSpell) -> None:
    folder = make_spell(
        """\
        name: x
        description: ok
        parameters:
          n:
            type: integer
            required: "yes please"
        """
    )
    problem = only(folder)
    assert (problem.line, problem.path) == (6, "parameters.n.required")
    assert problem.message.startswith("expected true or false, got string")


def test_unquoted_version_number(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\nversion: 1.0\n"))
    assert (problem.line, problem.path) == (2, "version")
    assert "expected a string" in problem.message and "quote it" in problem.message


def test_missing_name(make_spell: MakeSpell) -> None:
    problem = only(make_spell("description: nameless\n"))
    assert (problem.path, problem.message) == ("name", "required key is missing")
    assert problem.line == 1


def test_missing_parameter_type(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\nparameters:\n  a:\n    default: 1\n"))
    assert (problem.path, problem.message) == ("parameters.a.type", "required key is missing")
    assert problem.line == 4


@pytest.mark.parametrize(
    ("spec", "line", "path", "fragment"),
    [
        ("{type: integer, default: 4.5}", 3, "parameters.p.default", "not an integer"),
        ("{type: integer, default: '4'}", 3, "parameters.p.default", "not an integer"),
        ("{type: boolean, default: 1}", 3, "parameters.p.default", "not a boolean"),
        ("{type: string, enum: [a, b], default: c}", 3, "parameters.p.default", "not one of"),
        ("{type: integer, enum: [1, two]}", 3, "parameters.p.enum[1]", "not an integer"),
        ("{type: string, enum: []}", 3, "parameters.p.enum", "at least 1 item"),
        ("{type: strng}", 3, "parameters.p.type", "did you mean 'string'?"),
        ("{type: string, required: true, default: a}", 3, "parameters.p.required", "default"),
    ],
)
def test_bad_parameter(
    make_spell: MakeSpell, spec: str, line: int, path: str, fragment: str
) -> None:
    problem = only(make_spell(f"name: x\nparameters:\n  p: {spec}\n"))
    assert (problem.line, problem.path) == (line, path)
    assert fragment in problem.message


def test_bad_parameter_name(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\nparameters:\n  'has space': {type: string}\n"))
    assert problem.line == 3
    assert "invalid name 'has space'" in problem.message


def test_non_string_parameter_name(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\nparameters:\n  1: {type: string}\n"))
    assert (problem.line, problem.path) == (3, "parameters[1]")
    assert "invalid name 1" in problem.message


def test_merge_keys_are_not_duplicates(make_spell: MakeSpell) -> None:
    folder = make_spell(
        """\
        name: x
        parameters:
          a: &base {type: integer, default: 1}
          b:
            <<: *base
            default: 2
        """
    )
    assert [p.default for p in load_spell(folder).parameters.values()] == [1, 2]


def test_default_enum_on_multiline(make_spell: MakeSpell) -> None:
    folder = make_spell(
        """\
        name: x
        parameters:
          color:
            type: string
            enum:
              - red
              - green
            default: blue
        """
    )
    problem = only(folder)
    assert (problem.line, problem.path) == (8, "parameters.color.default")
    assert problem.message == 'default "blue" is not one of "red", "green"'


def test_missing_entry_file(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\nentry: nope.lua\n", {})
    problem = only(folder)
    assert (problem.line, problem.path) == (2, "entry")
    assert "'nope.lua' not found" in problem.message
    assert str(folder / "nope.lua") in problem.message


@pytest.mark.parametrize("entry", ["../outside.lua", "/etc/hosts"])
def test_entry_outside_the_folder(make_spell: MakeSpell, tmp_path: Path, entry: str) -> None:
    (tmp_path / "outside.lua").write_text("")
    problem = only(make_spell(f"name: x\nentry: {entry}\n"))
    assert (problem.line, problem.path) == (2, "entry")
    assert "outside the spell folder" in problem.message


def test_no_program_at_all(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\n", {}))
    assert problem.path == "entry"
    assert "no entry program" in problem.message


def test_ambiguous_entry(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\n", {"a.lua": "", "b.js": ""}))
    assert "several possible entry files (a.lua, b.js)" in problem.message


def test_engine_mismatch(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\nengine: tengo\nentry: main.lua\n")
    problem = only(folder)
    assert (problem.line, problem.path) == (2, "engine")
    assert problem.message == "engine is 'tengo' but the entry 'main.lua' is lua"


def test_engine_mismatch_with_shebang(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\nengine: lua\nentry: run\n", {"run": "#!/usr/bin/env node\n"})
    assert "is javascript" in only(folder).message


def test_engine_unknown_for_entry(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\nentry: run.py\n", {"run.py": ""}))
    assert problem.path == "entry" and "set 'engine'" in problem.message


@pytest.mark.parametrize(
    ("limits", "path", "fragment"),
    [
        ("timeout: 0s", "limits.timeout", "must be positive"),
        ("timeout: -1", "limits.timeout", "greater than 0"),
        ("timeout: soon", "limits.timeout", "'30s'"),
        ("timeout: 3d", "limits.timeout", "'2m'"),
        ("memory: 12 parsecs", "limits.memory", "'256MB'"),
        ("memory: 0", "limits.memory", "at least 1"),
        ("memory: 1.5", "limits.memory", "expected an integer or a string"),
        ("instructions: 2.0", "limits.instructions", "expected an integer"),
    ],
)
def test_bad_limits(make_spell: MakeSpell, limits: str, path: str, fragment: str) -> None:
    problem = only(make_spell(f"name: x\nlimits:\n  {limits}\n"))
    assert (problem.line, problem.path) == (3, path)
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("permissions", "path"),
    [
        ("network: {hosts: ['https://x.com/api']}", "permissions.network.hosts[0]"),
        ("env: ['NOT OK']", "permissions.env[0]"),
        ("exec: sometimes", "permissions.exec"),
        ("files: {read: [a], exec: [b]}", "permissions.files.exec"),
    ],
)
def test_bad_permissions(make_spell: MakeSpell, permissions: str, path: str) -> None:
    problem = only(make_spell(f"name: x\npermissions:\n  {permissions}\n"))
    assert (problem.line, problem.path) == (3, path)


def test_many_problems_reported_together(make_spell: MakeSpell) -> None:
    folder = make_spell(
        """\
        name: 42
        paramters: {}
        engine: python
        parameters:
          n: {type: integer, default: x}
        limits:
          memory: lots
        tags: [a, a]
        """
    )
    problems = problems_of(folder)
    assert [(p.line, p.path) for p in problems] == [
        (1, "name"),
        (2, "paramters"),
        (3, "engine"),
        (5, "parameters.n.default"),
        (7, "limits.memory"),
        (8, "tags"),
    ]
    with pytest.raises(ManifestError) as info:
        load_spell(folder)
    lines = str(info.value).splitlines()
    assert lines == [str(p) for p in problems]
    assert all(line.startswith(f"{folder / 'spell.yaml'}:") for line in lines)


def test_duplicate_key(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: x\ndescription: a\ndescription: b\n"))
    assert (problem.line, problem.path) == (3, "description")
    assert "duplicate key" in problem.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: x\nparameters:\n  a: [1, 2\n", 4),
        ("name: x\ndescription: a: b\n", 2),
        ("name: x\n\ttags: []\n", 2),
        ("name: x\n---\nname: y\n", 2),
        ('name: "unterminated\n\n\n', 4),
    ],
)
def test_yaml_syntax_error_has_line(make_spell: MakeSpell, text: str, line: int) -> None:
    problem = only(make_spell(text))
    assert problem.line == line
    assert problem.path == "(syntax)"
    assert problem.message.startswith("invalid YAML: ")


def test_python_tags_are_refused(make_spell: MakeSpell) -> None:
    problem = only(make_spell("name: !!python/object/apply:os.system [echo hi]\n"))
    assert problem.line == 1 and "invalid YAML" in problem.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- a\n- b\n", "got array"),
        ("just text\n", "got string"),
        ("", "empty"),
        ("# hi\n", "empty"),
    ],
)
def test_top_level_must_be_mapping(make_spell: MakeSpell, text: str, fragment: str) -> None:
    problem = only(make_spell(text))
    assert problem.path == "(top level)"
    assert fragment in problem.message


def test_not_utf8(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\n")
    (folder / "spell.yaml").write_bytes(b"name: x\ndescription: caf\xe9\n")
    problem = only(folder)
    assert (problem.line, problem.message) == (2, "not valid UTF-8 text")


def test_manifest_error_is_a_spell_load_error(make_spell: MakeSpell) -> None:
    folder = make_spell("name: x\nbogus: 1\n")
    with pytest.raises(SpellLoadError) as info:
        load_spell(folder)
    assert info.value.file == folder / "spell.yaml"
    assert info.value.line == 2
