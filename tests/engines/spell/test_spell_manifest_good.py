"""Valid manifests load into the expected Spell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engines.spell import Limits, ParameterSpec, Permissions, load_spell
from engines.spell.model import DEFAULT_MEMORY, DEFAULT_TIMEOUT

MakeSpell = Callable[..., Path]

FULL = """\
name: weather
version: 1.2.3
description: Tells the weather.
engine: lua
entry: src/run.lua
parameters:
  city:
    type: string
    required: true
    description: Where.
  days:
    type: integer
    default: 3
    enum: [1, 3, 7]
  scale:
    type: number
    default: 1
  verbose:
    type: boolean
    default: false
  cities:
    type: array
    default: [a, b]
  options:
    type: object
    default: {x: 1}
permissions:
  files:
    read: [data, /etc/hosts]
    write: [out]
  network:
    hosts: [api.weather.example, "*.example.com", "localhost:8080"]
  env: [HOME, API_KEY]
  exec: true
limits:
  timeout: 2m
  memory: 1GiB
  instructions: 1000000
tags: [weather, demo]
"""


def test_full_manifest(make_spell: MakeSpell) -> None:
    folder = make_spell(FULL, {"src/run.lua": "print(1)\n"})
    spell = load_spell(folder)
    assert (spell.name, spell.version, spell.description) == (
        "weather",
        "1.2.3",
        "Tells the weather.",
    )
    assert spell.engine == "lua"
    assert spell.dir == folder
    assert spell.entry == folder / "src" / "run.lua"
    assert spell.entry.is_absolute()
    assert spell.manifest_path == folder / "spell.yaml"
    assert list(spell.parameters) == ["city", "days", "scale", "verbose", "cities", "options"]
    assert spell.parameters["city"] == ParameterSpec("city", "string", None, True, None, "Where.")
    assert spell.parameters["days"] == ParameterSpec("days", "integer", 3, False, (1, 3, 7), "")
    assert spell.parameters["options"].default == {"x": 1}
    assert spell.permissions == Permissions(
        files_read=(folder / "data", Path("/etc/hosts")),
        files_write=(folder / "out",),
        network_hosts=("api.weather.example", "*.example.com", "localhost:8080"),
        env=("HOME", "API_KEY"),
        exec=True,
    )
    assert spell.limits == Limits(timeout=120.0, memory=1024**3, instructions=1_000_000)
    assert spell.tags == ("weather", "demo")


def test_minimal_manifest_gets_defaults(make_spell: MakeSpell) -> None:
    spell = load_spell(make_spell("name: tiny\n"))
    assert spell.engine == "lua"
    assert spell.version == "0.0.0"
    assert spell.description == ""
    assert spell.entry.name == "main.lua"
    assert spell.parameters == {}
    assert spell.permissions == Permissions()
    assert spell.permissions.exec is False
    assert spell.limits == Limits(DEFAULT_TIMEOUT, DEFAULT_MEMORY, None)
    assert spell.limits.timeout == 60.0
    assert spell.limits.memory == 512 * 1024 * 1024


def test_manifest_path_given_directly(make_spell: MakeSpell) -> None:
    folder = make_spell("name: direct\n")
    assert load_spell(folder / "spell.yaml").name == "direct"
    assert load_spell(str(folder / "spell.yaml")).dir == folder


@pytest.mark.parametrize(
    ("files", "engine", "entry"),
    [
        ({"main.js": ""}, "javascript", "main.js"),
        ({"main.tengo": ""}, "tengo", "main.tengo"),
        ({"greet.tengo": ""}, "tengo", "greet.tengo"),
        ({"main.lua": "", "helper.lua": ""}, "lua", "main.lua"),
        ({"tool": "#!/usr/bin/env node\n"}, None, None),
    ],
)
def test_engine_and_entry_inferred(
    make_spell: MakeSpell, files: dict[str, str], engine: str | None, entry: str | None
) -> None:
    folder = make_spell("name: x\n" + ("entry: tool\n" if entry is None else ""), files)
    spell = load_spell(folder)
    assert spell.engine == (engine or "javascript")
    assert spell.entry.name == (entry or "tool")


def test_engine_picks_its_main_among_several(make_spell: MakeSpell) -> None:
    spell = load_spell(make_spell("name: x\nengine: js\n", {"main.lua": "", "main.js": ""}))
    assert (spell.engine, spell.entry.name) == ("javascript", "main.js")


def test_entry_with_unknown_extension_and_declared_engine(make_spell: MakeSpell) -> None:
    spell = load_spell(make_spell("name: x\nengine: tengo\nentry: prog.txt\n", {"prog.txt": ""}))
    assert spell.engine == "tengo"


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [("30s", 30.0), ("2m", 120.0), ("1h", 3600.0), ("500ms", 0.5), (5, 5.0), (1.5, 1.5)],
)
def test_timeout_values(make_spell: MakeSpell, timeout: object, seconds: float) -> None:
    spell = load_spell(make_spell(f"name: x\nlimits:\n  timeout: {timeout}\n"))
    assert spell.limits.timeout == seconds
    assert spell.limits.memory == DEFAULT_MEMORY


@pytest.mark.parametrize(
    ("memory", "size"),
    [
        ("256MB", 256_000_000),
        ("1GiB", 1024**3),
        ("1GB", 1_000_000_000),
        ("512KiB", 512 * 1024),
        ("64mib", 64 * 1024**2),
        (4096, 4096),
    ],
)
def test_memory_values(make_spell: MakeSpell, memory: object, size: int) -> None:
    spell = load_spell(make_spell(f"name: x\nlimits:\n  memory: {memory}\n"))
    assert spell.limits.memory == size
    assert spell.limits.timeout == DEFAULT_TIMEOUT
