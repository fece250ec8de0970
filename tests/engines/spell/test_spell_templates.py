"""New-spell templates: each engine's template loads back with ``load_spell``."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.spell import create_spell, load_spell, resolve_params


@pytest.mark.parametrize(
    ("engine", "canonical", "entry"),
    [
        ("lua", "lua", "main.lua"),
        ("javascript", "javascript", "main.js"),
        ("js", "javascript", "main.js"),
        ("tengo", "tengo", "main.tengo"),
        ("Lua", "lua", "main.lua"),
    ],
)
def test_template_loads(tmp_path: Path, engine: str, canonical: str, entry: str) -> None:
    folder = create_spell(tmp_path, "greeter", engine)
    assert folder == tmp_path / "greeter"
    assert sorted(p.name for p in folder.iterdir()) == sorted([entry, "spell.yaml"])
    spell = load_spell(folder)
    assert (spell.name, spell.version, spell.engine) == ("greeter", "0.1.0", canonical)
    assert spell.entry == folder / entry
    assert spell.description
    assert list(spell.parameters) == ["name"]
    assert spell.parameters["name"].type == "string"
    assert resolve_params(spell, {}, {}) == {"name": "world"}
    assert spell.limits.timeout == 30.0
    program = spell.entry.read_text()
    assert program.splitlines()[0].endswith("greeter: a new spell.")
    assert 'params.get("name")' in program
    assert 'state.set("greeted", who)' in program
    assert "log.info(" in program


def test_lua_template_text(tmp_path: Path) -> None:
    program = (create_spell(tmp_path, "hi", "lua") / "main.lua").read_text()
    assert program == (
        "-- hi: a new spell.\n"
        'local who = params.get("name")\n'
        'log.info("greeting", {who = who})\n'
        'state.set("greeted", who)\n'
        'print("Hello, " .. who .. "!")\n'
    )


def test_javascript_template_text(tmp_path: Path) -> None:
    program = (create_spell(tmp_path, "hi", "js") / "main.js").read_text()
    assert program.startswith('// hi: a new spell.\nconst who = params.get("name");\n')
    assert 'print("Hello, " + who + "!");' in program


def test_tengo_template_imports_modules(tmp_path: Path) -> None:
    program = (create_spell(tmp_path, "hi", "tengo") / "main.tengo").read_text()
    for module in ("params", "log", "state", "fmt"):
        assert f'{module} := import("{module}")' in program
    assert 'fmt.println("Hello, " + who + "!")' in program


def test_yaml_keyword_names_stay_strings(tmp_path: Path) -> None:
    # Unquoted, `name: yes` would be a boolean in YAML.
    assert load_spell(create_spell(tmp_path, "yes", "lua")).name == "yes"


def test_parent_is_created(tmp_path: Path) -> None:
    assert create_spell(tmp_path / "a" / "b", "s", "lua").is_dir()


def test_existing_folder_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(FileExistsError, match="already exists"):
        create_spell(tmp_path, "taken", "lua")
    assert list((tmp_path / "taken").iterdir()) == []


@pytest.mark.parametrize("name", ["", "1abc", "-x", "_x", "a b", "a/b", "../x", "x.y", "é"])
def test_invalid_names_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid spell name"):
        create_spell(tmp_path, name, "lua")
    assert list(tmp_path.iterdir()) == []


def test_valid_name_shapes(tmp_path: Path) -> None:
    for name in ("a", "A1", "my-spell_2"):
        assert load_spell(create_spell(tmp_path, name, "tengo")).name == name


def test_unknown_engine_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown engine 'python'"):
        create_spell(tmp_path, "x", "python")
    assert not (tmp_path / "x").exists()
