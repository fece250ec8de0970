"""Runs JavaScript spells in-process through the real runner, for the JavaScript engine's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.spells import RunSpell, spell_runner


@pytest.fixture
def run_js(tmp_path: Path) -> RunSpell:
    return spell_runner(tmp_path / "spell", "main.js")
