"""Single-file spells, engine detection from extension and shebang, discovery of spells."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engines.spell import (
    Limits,
    ManifestError,
    Permissions,
    Spell,
    SpellLoadError,
    discover_spells,
    load_spell,
)

MakeSpell = Callable[..., Path]


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("file", "engine"),
    [("hello.lua", "lua"), ("hello.js", "javascript"), ("hello.tengo", "tengo"), ("X.LUA", "lua")],
)
def test_single_file_engine_from_extension(tmp_path: Path, file: str, engine: str) -> None:
    path = write(tmp_path / file, "print(1)\n")
    spell = load_spell(path)
    assert spell == Spell(
        name=Path(file).stem,
        version="0.0.0",
        description="",
        engine=engine,
        dir=tmp_path,
        entry=path,
        manifest_path=None,
        parameters={},
        permissions=Permissions(),
        limits=Limits(60.0, 512 * 1024**2, None),
        tags=(),
    )


@pytest.mark.parametrize(
    ("shebang", "engine"),
    [
        ("#!/usr/bin/env llmspell-lua", "lua"),
        ("#!/usr/bin/lua", "lua"),
        ("#!/usr/bin/lua5.4", "lua"),
        ("#!/usr/bin/env luajit", "lua"),
        ("#!/usr/bin/env node", "javascript"),
        ("#!/usr/bin/env -S node --no-warnings", "javascript"),
        ("#!/usr/local/bin/javascript", "javascript"),
        ("#!/usr/bin/env llmspell-javascript", "javascript"),
        ("#!/usr/bin/env tengo", "tengo"),
        ("#! /opt/bin/llmspell-tengo", "tengo"),
        ("\ufeff#!/usr/bin/env llmspell-tengo", "tengo"),
    ],
)
def test_shebang_without_extension(tmp_path: Path, shebang: str, engine: str) -> None:
    path = write(tmp_path / "tool", shebang + "\nrest\n")
    spell = load_spell(path)
    assert (spell.engine, spell.name, spell.entry) == (engine, "tool", path)


def test_shebang_wins_over_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "odd.lua", "#!/usr/bin/env node\nconsole.log(1)\n")
    assert load_spell(path).engine == "javascript"


def test_foreign_shebang_leaves_extension_in_charge(tmp_path: Path) -> None:
    assert load_spell(write(tmp_path / "x.tengo", "#!/bin/sh\n")).engine == "tengo"


def test_unknown_extension_without_shebang(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.txt", "hello\n")
    with pytest.raises(SpellLoadError) as info:
        load_spell(path)
    assert info.value.file == path
    assert "unknown extension and no shebang" in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_shebang_without_extension(tmp_path: Path) -> None:
    with pytest.raises(SpellLoadError, match="its shebang runs 'python3'"):
        load_spell(write(tmp_path / "tool", "#!/usr/bin/env python3\n"))


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SpellLoadError) as info:
        load_spell(tmp_path / "ghost.lua")
    assert info.value.file == tmp_path / "ghost.lua"


def test_folder_without_manifest_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "loose"
    write(folder / "main.lua")
    with pytest.raises(SpellLoadError) as info:
        load_spell(folder)
    assert not isinstance(info.value, ManifestError)
    assert info.value.file == folder
    assert str(info.value).startswith(f"{folder}: not a spell folder")


def test_discover_spells(tmp_path: Path, make_spell: MakeSpell) -> None:
    make_spell("name: zeta\n", name="z-folder")
    make_spell("name: alpha\n", name="group/deep/a-folder")
    # Inside a spell folder nothing else is a spell, not even another spell.yaml.
    make_spell("name: hidden-inner\n", name="z-folder/inner")
    write(tmp_path / "z-folder" / "extra.lua")
    broken = make_spell("name: broken\nbogus: 1\n", name="broken")
    write(tmp_path / "mid.js", "")
    write(tmp_path / "script", "#!/usr/bin/env llmspell-tengo\n")
    write(tmp_path / "README.md", "# not a spell\n")
    write(tmp_path / ".eslintrc.js", "")
    write(tmp_path / "group" / "nested.lua")  # loose files only count at the top
    write(tmp_path / ".git" / "hooks" / "spell.yaml", "name: nope\n")
    found = discover_spells(tmp_path)
    names = [item.name if isinstance(item, Spell) else item[0].name for item in found]
    assert names == ["alpha", "broken", "mid", "script", "zeta"]
    bad = found[1]
    assert isinstance(bad, tuple)
    assert bad[0] == broken
    assert isinstance(bad[1], ManifestError)


def test_discover_root_that_is_a_spell(make_spell: MakeSpell) -> None:
    folder = make_spell("name: solo\n")
    write(folder / "other.lua")
    found = discover_spells(folder)
    assert [s.name for s in found if isinstance(s, Spell)] == ["solo"]
    assert len(found) == 1


def test_discover_missing_root(tmp_path: Path) -> None:
    with pytest.raises(SpellLoadError):
        discover_spells(tmp_path / "nope")
