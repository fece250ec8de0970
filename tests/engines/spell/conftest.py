"""Shared fixtures: every test gets its own validation cache and a spell-writing helper."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Tests must neither read nor pollute the real user cache.
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def make_spell(tmp_path: Path) -> Callable[..., Path]:
    """Write ``spell.yaml`` (dedented) plus program files into ``tmp_path/name``."""

    def make(manifest: str, files: dict[str, str] | None = None, name: str = "demo") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "spell.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
        for file, text in ({"main.lua": "print('hi')\n"} if files is None else files).items():
            (folder / file).parent.mkdir(parents=True, exist_ok=True)
            (folder / file).write_text(text, encoding="utf-8")
        return folder

    return make
