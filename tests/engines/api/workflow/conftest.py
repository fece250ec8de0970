"""Fixtures for the workflow tests: a Lua spell runner (the real runner, in-process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.spells import RunSpell, SpellRun, spell_runner


@pytest.fixture
def run_lua(tmp_path: Path) -> RunSpell:
    return spell_runner(tmp_path / "wf-spell", "main.lua")


def last_json(run: SpellRun) -> Any:
    """The spell's last printed line, decoded: the spells print json.encode(final state)."""
    assert run.error is None, run.error
    return json.loads(run.output.strip().splitlines()[-1])


def steps(run: SpellRun) -> list[dict[str, Any]]:
    return [r.data for r in run.sink.of_kind("workflow.step")]
