"""Runs a spell written by a test in-process through the real runner, for any engine: the
one helper behind the `run_lua`, `run_js` and tools fixtures."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.runner import RunResult, context_for, run_spell
from engines.spell.loader import load_spell
from engines.telemetry import ListSink


@dataclass
class SpellRun:
    result: RunResult
    sink: ListSink

    @property
    def output(self) -> str:
        return "".join(r.data["text"] for r in self.sink.of_kind("output"))

    @property
    def error(self) -> Any:
        return self.result.error


RunSpell = Callable[..., SpellRun]


def spell_runner(folder: Path, entry: str) -> RunSpell:
    """A function that writes `entry` (plus files and a manifest) into `folder` and runs it."""

    def run(
        source: str,
        *,
        manifest: str | None = None,
        files: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> SpellRun:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / entry).write_text(textwrap.dedent(source))
        for name, text in (files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        if manifest is not None:
            (folder / "spell.yaml").write_text(textwrap.dedent(manifest))
            spell = load_spell(folder)
        else:
            spell = load_spell(folder / entry)
        sink = ListSink()
        ctx = context_for(spell, params or {}, [sink], timeout=timeout)
        return SpellRun(run_spell(spell, ctx), sink)

    return run
