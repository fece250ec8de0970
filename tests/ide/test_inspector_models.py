"""The inspector models, fed by records of real spell runs, checked without any widget."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.spell.params import resolve_params
from engines.store.runs import RunStore, StoreSink
from engines.telemetry import ListSink, Record
from ide.inspectors import InspectorHub
from ide.inspectors.models import EventsModel, MetricsModel, StateModel, TracesModel

SPELLBOOK = Path(__file__).resolve().parents[2] / "resources" / "spellbook"

# An agent-shaped run: chat spans carry the GenAI attributes the llm service sets.
AGENT_SPELL = """\
local function chat(model, messages, answer, tin, tout, cost)
  local id = trace.start_span("chat " .. model, {
    ["gen_ai.operation.name"] = "chat", ["gen_ai.provider.name"] = "test",
    ["gen_ai.request.model"] = model, ["llmspell.request.messages"] = json.encode(messages)})
  trace.end_span(id, {["gen_ai.usage.input_tokens"] = tin, ["gen_ai.usage.output_tokens"] = tout,
    ["gen_ai.usage.cost"] = cost, ["llmspell.response.text"] = answer})
  metrics.counter("llm.tokens.input", tin, {model = model})
  metrics.histogram("llm.latency", tin / 100, {model = model})
end
state.set("task", {question = "What is 6*7?", status = "planning"})
trace.with_span("invoke_agent solver", {["gen_ai.operation.name"] = "invoke_agent"}, function()
  for i = 1, params.get("n", 2) do
    chat("test/small", {{role = "user", content = "What is 6*7?"}}, "use the calculator", 30, 9, 0.25)
    trace.with_span("execute_tool calculate", {["gen_ai.tool.call.arguments"] = '{"x":"6*7"}'},
      function() trace.set_attribute("gen_ai.tool.call.result", "42") end)
    state.update("task", {status = "computed", round = i})
    events.publish("agent.tool_result", {round = i, result = 42})
    metrics.gauge("agent.queue", 2 - i)
  end
  chat("test/large", {{role = "user", content = "Answer."}}, "The answer is 42.", 52, 6, 1.5)
end)
print("answer: 42")
"""


def run_spellbook(name: str, params: dict[str, Any] | None = None) -> list[Record]:
    """Run a spellbook spell for real, in process; its records."""
    spell = load_spell(SPELLBOOK / name)
    sink = ListSink()
    run_spell(spell, context_for(spell, resolve_params(spell, params or {}, {}), [sink]))
    return sink.records


def run_source(folder: Path, source: str, params: dict[str, Any] | None = None) -> list[Record]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.lua").write_text(textwrap.dedent(source))
    spell = load_spell(folder / "main.lua")
    sink = ListSink()
    run_spell(spell, context_for(spell, params or {}, [sink]))
    return sink.records


def test_state_tree_history_and_highlights_from_state_history_spell():
    """state-history: the final tree, every change in order, last change per path."""
    records = run_spellbook("state-history")
    model = StateModel()
    model.feed(records)
    assert model.trees["run"] == {
        "inventory": {"apples": 5, "pears": 2},
        "owner": {"name": "Ada", "since": 2024},
    }
    ops = [c.op for c in model.history]
    assert ops == ["set", "set", "set", "snapshot", "update", "delete", "set", "update", "restore"]
    restore = model.history[-1]
    assert model.last_change("run", "inventory.pears") == restore.seq
    assert model.last_change("run", "inventory") == restore.seq
    assert "owner.since" in model.history[7].summary()
    assert model.history[3].summary() == "snapshot before the sale"


def test_state_at_any_record_replays_the_changes():
    """state_at(seq) is the state just after that record, before and after a restore."""
    records = run_spellbook("state-history")
    model = StateModel()
    model.feed(records)
    seqs = [c.seq for c in model.history]
    assert model.state_at(0) == {}
    assert model.state_at(seqs[1])["run"] == {"inventory": {"apples": 5, "pears": 2}}
    before_restore = model.state_at(seqs[-1] - 1)["run"]
    assert before_restore == {
        "inventory": {"apples": 2, "plums": 7},
        "owner": {"name": "Ada", "since": 2025},
    }
    # A result is a copy: changing it changes neither the model nor a later answer.
    before_restore["inventory"]["apples"] = 99
    assert model.state_at(seqs[-1] - 1)["run"]["inventory"]["apples"] == 2
    assert model.state_at(10**9) == model.trees


def test_state_at_with_checkpoints_matches_a_plain_replay(monkeypatch: pytest.MonkeyPatch):
    """Many changes: answers through checkpoints equal a replay from the start."""
    monkeypatch.setattr("ide.inspectors.models.state.CHECKPOINT_EVERY", 16)
    model = StateModel()
    records = [
        Record(
            "state",
            "r",
            i,
            float(i),
            {
                "scope": "run",
                "op": "set",
                "path": f"k.{i % 7}",
                "old": None,
                "new": {"v": i},
                "diff": [],
            },
        )
        for i in range(1, 200)
    ]
    model.feed(records)
    for seq in (150, 20, 199, 33, 34, 1):
        expected = {"run": {"k": {str(i % 7): {"v": i} for i in range(1, seq + 1)}}}
        assert model.state_at(seq) == expected


def test_state_values_are_copied_not_shared():
    """A later nested change never edits the value an earlier record carried."""
    new = {"name": "Ada", "since": 2024}
    model = StateModel()
    model.feed(
        [
            Record(
                "state", "r", 1, 1.0, {"scope": "run", "op": "set", "path": "owner", "new": new}
            ),
            Record(
                "state",
                "r",
                2,
                2.0,
                {"scope": "run", "op": "set", "path": "owner.since", "new": 2025},
            ),
        ]
    )
    assert new == {"name": "Ada", "since": 2024}
    assert model.value("run", "owner.since") == 2025


def test_events_table_from_events_and_hooks_spell():
    """Every event, hook and log record becomes a row; filters by kind, type and text."""
    records = run_spellbook("events-and-hooks")
    model = EventsModel()
    model.feed(records)
    kinds = [r.kind for r in model.rows]
    assert kinds.count("event") == 5 and kinds.count("hook") == 6 and kinds.count("log") == 1
    assert [r.type for r in model.rows if r.kind == "event"][:2] == [
        "order.accepted",
        "order.shipped",
    ]
    vetoed = [r for r in model.rows if r.kind == "hook" and "cancelled" in r.source]
    assert len(vetoed) == 1 and "quantity 12 is over 10" in vetoed[0].source
    assert [r.type for r in model.filtered(type_filter="log")] == ["log.warn"]
    assert len(model.filtered(type_filter="order.")) == 5
    assert [r.seq for r in model.filtered("LAMP")] == [
        r.seq for r in model.rows if "lamp" in r.search_text()
    ]
    assert model.filtered("lamp", "event")[0].type == "order.rejected"
    assert model.payload(0)["point"] == "custom.review_order"
    assert model.types["order.shipped"] == 2
    assert all(model.relative_time(r) >= 0 for r in model.rows)


def test_traces_tree_tokens_cost_and_detail(tmp_path: Path):
    """Spans nest under the run; tokens and cost roll up; the detail shows request/response."""
    records = run_source(tmp_path / "agent", AGENT_SPELL)
    model = TracesModel()
    model.feed(records)
    root = model.root
    assert root is not None and root.name == "run main" and root.status == "ok"
    (agent,) = root.children
    assert agent.kind == "agent"
    names = [c.name for c in agent.children]
    assert names == ["chat test/small", "execute_tool calculate"] * 2 + ["chat test/large"]
    assert agent.total_input_tokens == 30 + 30 + 52 and agent.total_output_tokens == 9 + 9 + 6
    assert agent.total_cost == pytest.approx(2.0)
    assert root.total_tokens == agent.total_tokens and root.total_cost == pytest.approx(2.0)
    chat = agent.children[0]
    assert chat.kind == "llm" and chat.duration is not None and chat.duration >= 0
    detail = model.detail(chat)
    assert detail["messages"] == [{"role": "user", "content": "What is 6*7?"}]
    assert detail["response"] == "use the calculator"
    assert detail["model"] == "test/small"
    tool = model.detail(agent.children[1])
    assert tool["kind"] == "tool" and tool["arguments"] == {"x": "6*7"} and tool["result"] == 42
    assert [n.depth for n in model.nodes[:3]] == [0, 1, 2]


def test_traces_open_spans_are_running_then_unfinished():
    """A started span is running; if the run ends first it is marked unfinished."""
    model = TracesModel()
    model.feed(
        [
            Record("run.start", "r", 1, 100.0, {"spell": "s"}),
            Record("span.start", "r", 2, 100.5, {"id": 1, "parent": None, "name": "slow"}),
        ]
    )
    slow = model.by_key["1"]
    assert slow.running and slow.elapsed(now=102.0) == pytest.approx(1.5)
    assert model.end_ts(now=103.0) == 103.0
    model.feed(
        [
            Record(
                "run.end",
                "r",
                3,
                104.0,
                {"status": "error", "duration": 4.0, "error": {"message": "boom"}},
            )
        ]
    )
    assert slow.status == "unfinished" and not slow.running
    assert model.root is not None and model.root.error == "boom"


def test_metrics_series_per_label_set(tmp_path: Path):
    """Counters keep totals, gauges values, histograms observations; one series per labels."""
    model = MetricsModel()
    model.feed(run_spellbook("events-and-hooks"))
    series = {s.labels: s for s in model.of_metric("order_events")}
    assert series[(("type", "order.shipped"),)].ys == [1.0, 2.0]
    assert series[(("type", "order.rejected"),)].ys == [1.0]
    assert model.names == {"order_events": "counter"}
    version = model.version
    assert model.dirty_since(version) == []
    model.feed(run_source(tmp_path / "agent", AGENT_SPELL))
    latency = model.of_metric("llm.latency")
    assert {s.labels for s in latency} == {(("model", "test/small"),), (("model", "test/large"),)}
    small = next(s for s in latency if s.labels == (("model", "test/small"),))
    assert small.count == 2 and small.summary().startswith("n=2 mean=0.3")
    assert [s.ys for s in model.of_metric("agent.queue")] == [[1.0, 0.0]]
    assert {s.name for s in model.dirty_since(version)} >= {"llm.latency", "agent.queue"}


def test_hub_routes_flat_dicts_and_resets_on_a_new_run(tmp_path: Path):
    """The hub takes the protocol's flat dicts; a run.start of another run starts over."""
    hub = InspectorHub(runs_db=tmp_path / "runs.sqlite3")
    calls: list[str] = []
    hub.state.subscribe(lambda: calls.append("state"))
    first = run_spellbook("state-history")
    hub.feed([r.to_dict() for r in first])
    assert calls == ["state"]  # once per batch, not per record
    assert hub.run_id == first[0].run and hub.record_count == len(first)
    second = run_spellbook("events-and-hooks")
    hub.feed(second)
    assert hub.run_id == second[0].run
    assert hub.state.history == [] and len(hub.events.rows) == 12
    assert hub.runs.stale


def test_runs_open_and_compare(tmp_path: Path):
    """Runs from the store open into a fresh hub and compare with spans aligned."""
    db = tmp_path / "runs.sqlite3"
    ids = []
    with RunStore(db) as store:
        for n in (1, 2):
            folder = tmp_path / "agent"
            folder.mkdir(exist_ok=True)
            (folder / "main.lua").write_text(AGENT_SPELL)
            spell = load_spell(folder / "main.lua")
            sink = StoreSink(store)
            ctx = context_for(spell, {"n": n}, [sink])
            store.start_run(
                ctx.run_id, spell.name, spell.dir, spell.engine, {"n": n}, "test", os.getpid()
            )
            run_spell(spell, ctx)
            sink.close()
            ids.append(ctx.run_id)
    hub = InspectorHub(runs_db=db)
    runs = hub.runs.refresh()
    assert {r.id for r in runs} == set(ids) and all(r.status == "ok" for r in runs)
    opened = hub.runs.open(ids[0][:6])
    assert opened.traces.root is not None and opened.traces.root.total_tokens == 30 + 9 + 58
    assert opened.state.trees["run"]["task"]["round"] == 1
    comparison = hub.runs.compare(ids[0], ids[1])
    paths = [row.path for row in comparison.rows]
    assert paths[:3] == [
        "run",
        "run/invoke_agent solver",
        "run/invoke_agent solver/chat test/small",
    ]
    only_b = [row for row in comparison.rows if row.status == "only in B"]
    assert [row.name for row in only_b] == ["chat test/small", "execute_tool calculate"]
    agent = comparison.rows[1]
    assert agent.values("total_tokens") == (97, 136) and agent.delta("total_tokens") == 39
    assert agent.delta("total_cost") == pytest.approx(0.25)
    assert comparison.totals()["tokens"] == (97, 136)
    assert comparison.output_diff() == []
    hub.runs.close()


def test_models_import_no_qt():
    """The models are plain Python: importing them (and the hub) loads no Qt at all."""
    import subprocess
    import sys

    code = (
        "import sys, ide.inspectors, ide.inspectors.models\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6')))\n"
    )
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
