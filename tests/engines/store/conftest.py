"""Shared set-up for the run store tests: a store in tmp_path and real spell runs stored in it."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.store.runs import RunStore, StoreSink
from engines.telemetry import ListSink, Record, Sink

REPO = Path(__file__).resolve().parents[3]

# A spell with nested spans, a GenAI attribute, nested attribute maps, output, a log, and a
# span it never closes.
SPANS_SPELL = """\
local plan = trace.start_span("plan", {["gen_ai.operation.name"] = "chat", step = 1})
trace.with_span("inner", {n = 2, tags = {"a", "b"}}, function()
  print("inside the inner span")
end)
log.info("planned", {steps = 2})
trace.end_span(plan, {usage = {input_tokens = 3, output_tokens = 5}})
local open = trace.start_span("left-open")
print("done")
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore(tmp_path / "runs.sqlite3") as opened:
        yield opened


@pytest.fixture
def run_lua() -> Callable[..., tuple[str, list[Record]]]:
    """Runs a Lua spell for real with a StoreSink; gives the run id and the emitted records."""
    return _run_lua


@pytest.fixture
def spans_spell() -> str:
    return SPANS_SPELL


def _run_lua(
    store: RunStore, folder: Path, source: str, extra_sinks: Sequence[Sink] = ()
) -> tuple[str, list[Record]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.lua").write_text(textwrap.dedent(source))
    spell = load_spell(folder / "main.lua")
    sink = StoreSink(store)
    seen = ListSink()
    ctx = context_for(spell, {}, [sink, seen, *extra_sinks])
    store.start_run(ctx.run_id, spell.name, spell.dir, spell.engine, {}, "test", os.getpid())
    run_spell(spell, ctx)
    sink.close()
    return ctx.run_id, seen.records
