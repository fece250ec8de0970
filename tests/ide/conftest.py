"""Studio tests run offscreen, each with its own settings (LLMSPELL_HOME, from tests/conftest)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]
SPELLBOOK = REPO / "resources" / "spellbook"


@pytest.fixture
def studio(qtbot, llmspell_home: Path) -> Iterator:  # type: ignore[no-untyped-def]
    """A studio window (not shown on a screen; offscreen), closed and its run stopped at the end."""
    from ide.app import create_studio

    s = create_studio(None)
    s.window.tabs.ask_unsaved = lambda name: "discard"
    qtbot.addWidget(s.window)
    s.window.show()
    session = None
    try:
        yield s
        session = s.controller.session
    finally:
        # pytest-qt may have closed the window (which stops the run) already: make sure the
        # host process is gone, whatever state the test left it in.
        session = session or getattr(s, "controller", None) and s.controller.session
        if session is not None:
            session.client.kill()


@pytest.fixture
def spell_dir(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a one-file Lua spell (main.lua + a spell.yaml) and return its folder."""

    def make(source: str, name: str = "probe") -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "main.lua").write_text(source, encoding="utf-8")
        (folder / "spell.yaml").write_text(
            f"name: {name}\nversion: 0.1.0\ndescription: test spell\nengine: lua\nentry: main.lua\n",
            encoding="utf-8",
        )
        return folder

    return make


@pytest.fixture
def wait_for(qtbot) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    """wait_for(condition, timeout=20): process Qt events until the condition holds."""

    def wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        qtbot.waitUntil(
            lambda: condition() or time.monotonic() > deadline, timeout=int(timeout * 1000) + 1000
        )
        assert condition()

    return wait


@pytest.fixture
def spellbook() -> Path:
    return SPELLBOOK
