"""Runs Lua spells in-process through the real runner, for the Lua engine's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.spells import RunSpell, spell_runner


@pytest.fixture
def run_lua(tmp_path: Path) -> RunSpell:
    return spell_runner(tmp_path / "spell", "main.lua")


# Engine host subprocesses driven over DAP, for the debug hook's tests (test_native_hook.py).
from tests.engines.host.conftest import host, spell  # noqa: E402, F401
