"""`llmspell keys` and `llmspell config`: keys stored out of sight, never printed back."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def llmspell(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "engines.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_keys_set_without_a_keyring_uses_a_private_file_and_says_so(llmspell_home):
    """With no keyring backend the key goes to a 0600 file, and the command names it."""
    result = llmspell("keys", "set", "openai", stdin="sk-test-0123456789\n")
    assert result.returncode == 0, result.stderr
    assert "readable only by you" in result.stdout
    key_file = llmspell_home / "data" / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    listed = llmspell("keys", "list")
    assert "openai" in listed.stdout and "key set" in listed.stdout
    assert "sk-test-0123456789" not in listed.stdout + listed.stderr
    shown = llmspell("config", "show")
    assert "sk-test-0123456789" not in shown.stdout + shown.stderr
    assert "openai" in shown.stdout and "configured" in shown.stdout


def test_config_set_default_model(llmspell_home):
    """config set default_model is what config show reports afterwards."""
    assert llmspell("config", "set", "default_model", "local/smollm2").returncode == 0
    assert "default model: local/smollm2" in llmspell("config", "show").stdout
