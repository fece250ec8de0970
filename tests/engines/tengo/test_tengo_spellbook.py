"""The spellbook's Tengo spells print what their Lua versions print, run from the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SPELLBOOK = REPO / "resources" / "spellbook"
PAIRS = sorted(
    p.name.removesuffix("-tengo")
    for p in SPELLBOOK.iterdir()
    if p.name.endswith("-tengo") and (SPELLBOOK / p.name.removesuffix("-tengo")).is_dir()
)


def _stdout(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "engines.cli.main", "run", str(SPELLBOOK / name), "-q", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _comparable(text: str) -> str:
    text = re.sub(r"#\d+ ", "#N ", text)  # state history numbers count every run's changes
    return text.replace("main.lua", "MAIN").replace("main.tengo", "MAIN")


def test_every_spell_named_in_the_brief_has_a_tengo_version():
    assert {
        "hello",
        "events-and-hooks",
        "state-history",
        "tools-tour",
        "research-pipeline",
        "retry-and-compensate",
        "loop-until-done",
    } <= set(PAIRS)


@pytest.mark.parametrize("name", PAIRS)
def test_tengo_version_prints_what_the_lua_version_prints(name):
    recording = SPELLBOOK / name / "recording.jsonl"
    lua_args = ["--replay", str(recording)] if recording.exists() else []
    tengo_recording = SPELLBOOK / f"{name}-tengo" / "recording.jsonl"
    tengo_args = ["--replay", str(tengo_recording)] if tengo_recording.exists() else []
    lua = _stdout(name, *lua_args)
    tengo = _stdout(f"{name}-tengo", *tengo_args)
    if name == "hello":
        # Both count greetings across runs in their own spell-scoped state.
        lua, tengo = lua.splitlines()[:-1], tengo.splitlines()[:-1]
    else:
        lua, tengo = _comparable(lua), _comparable(tengo)
    assert tengo == lua


@pytest.mark.parametrize(("name", "args"), [("research-pipeline", ["--param", "threshold=50"])])
def test_tengo_version_with_parameters(name, args):
    assert _stdout(f"{name}-tengo", *args) == _stdout(name, *args)
