"""Runs JavaScript spells in-process through the real runner, for the JavaScript engine's tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engines.runner import RunResult, context_for, run_spell
from engines.spell.loader import load_spell
from engines.telemetry import ListSink


@dataclass
class JsRun:
    result: RunResult
    sink: ListSink

    @property
    def output(self) -> str:
        return "".join(r.data["text"] for r in self.sink.of_kind("output"))

    @property
    def error(self) -> Any:
        return self.result.error


RunJs = Callable[..., JsRun]


@pytest.fixture
def run_js(tmp_path: Path) -> RunJs:
    def run(
        source: str,
        *,
        manifest: str | None = None,
        files: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> JsRun:
        folder = tmp_path / "spell"
        folder.mkdir(exist_ok=True)
        (folder / "main.js").write_text(textwrap.dedent(source))
        for name, text in (files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        if manifest is not None:
            (folder / "spell.yaml").write_text(textwrap.dedent(manifest))
            spell = load_spell(folder)
        else:
            spell = load_spell(folder / "main.js")
        sink = ListSink()
        ctx = context_for(spell, params or {}, [sink], timeout=timeout)
        return JsRun(run_spell(spell, ctx), sink)

    return run
