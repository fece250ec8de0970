"""The studio runs the spellbook's JavaScript and Tengo spells too (each in its host)."""

from __future__ import annotations

from pathlib import Path

import pytest

SPELLBOOK = Path(__file__).resolve().parents[2] / "resources" / "spellbook"


@pytest.mark.parametrize("spell,entry", [("hello-js", "main.js"), ("hello-tengo", "main.tengo")])
def test_run_a_javascript_or_tengo_spell(studio, wait_for, spell: str, entry: str) -> None:  # type: ignore[no-untyped-def]
    if not (SPELLBOOK / spell / entry).is_file():
        pytest.skip(f"no {spell} in the spellbook")
    studio.open_path(str(SPELLBOOK / spell))
    assert studio.window.tabs.current_path().endswith(entry)
    studio.window.params.set_value("name", "Ada")
    studio.start(debug=False)
    wait_for(lambda: studio.controller.state == "ended", timeout=60)
    assert "Hello, Ada!" in studio.window.console.text()
    assert studio.controller.stats.exit_code == 0
