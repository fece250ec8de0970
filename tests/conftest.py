"""Shared test set-up: every test runs with its own LLMSpell home, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPELLBOOK = REPO / "resources" / "spellbook"


@pytest.fixture(autouse=True)
def llmspell_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("llmspell-home")
    monkeypatch.setenv("LLMSPELL_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    # Never read or write the machine's real keyring from a test.
    monkeypatch.setenv("LLMSPELL_NO_KEYRING", "1")
    return home


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment for a CLI subprocess: this one, with the test's LLMSpell home."""
    return dict(os.environ)
