"""Parallel branches run at once: two branches that each wait on a real (local, scripted, slow)
OpenAI-compatible server overlap — both model calls start before either ends — from Lua and
Tengo; spans nest under each branch's own step; max_concurrency 1 runs them one at a time;
JavaScript runs them one after another. Wall-clock figures are in the benchmark."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engines.api.workflow.conftest import last_json
from tests.support.openai_server import OpenAICompatibleServer, Reply
from tests.support.spells import SpellRun, spell_runner


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAICompatibleServer]:
    srv = OpenAICompatibleServer().start()
    monkeypatch.setenv("LLMSPELL_PROVIDER_TEST_BASE_URL", srv.base_url)
    monkeypatch.setenv("LLMSPELL_PROVIDER_TEST_API_KEY", "sk-test")
    monkeypatch.setenv("LLMSPELL_MODEL", "test/test-model")
    srv.default = Reply(text="answer", delay=0.5)
    yield srv
    srv.stop()


LUA_BRANCHES = """
local function ask(key, prompt)
  return {name = key, fn = function(s)
    local span = trace.start_span("thinking " .. key)
    local answer = llm.complete(prompt)
    trace.end_span(span)
    return {[key] = answer .. " " .. s.topic}
  end}
end
local p = workflow.parallel{name = "p", merge = "last_wins", max_concurrency = %d,
  steps = {ask("a", "first"), ask("b", "second")}}
print(json.encode(workflow.run(p, {topic = "tides"})))
"""


def spans(run: SpellRun) -> tuple[dict[int, dict[str, Any]], list[tuple[str, str, int]]]:
    """Spans by id, and the (start/end, name, id) sequence as emitted."""
    by_id: dict[int, dict[str, Any]] = {}
    order: list[tuple[str, str, int]] = []
    for record in run.sink.records:
        if record.kind in ("span.start", "span.end"):
            by_id.setdefault(record.data["id"], record.data)
            order.append((record.kind, record.data["name"], record.data["id"]))
    return by_id, order


def model_calls_overlap(run: SpellRun) -> bool:
    """True when both `chat` spans started before the first one ended."""
    _, order = spans(run)
    chats = [(kind, span_id) for kind, name, span_id in order if name.startswith("chat ")]
    first_end = next(i for i, (kind, _) in enumerate(chats) if kind == "span.end")
    return sum(1 for kind, _ in chats[:first_end] if kind == "span.start") == 2


def parent_name(by_id: dict[int, dict[str, Any]], span: dict[str, Any]) -> str:
    return str(by_id[span["parent"]]["name"])


def test_lua_branches_wait_on_the_model_at_the_same_time(tmp_path: Path, server) -> None:
    run = spell_runner(tmp_path / "lua", "main.lua")(LUA_BRANCHES % 0)
    assert last_json(run) == {"topic": "tides", "a": "answer tides", "b": "answer tides"}
    assert model_calls_overlap(run)
    by_id, _ = spans(run)
    for key in ("a", "b"):
        thinking = next(s for s in by_id.values() if s["name"] == f"thinking {key}")
        assert parent_name(by_id, thinking) == f"workflow_step {key}"
        chat = next(
            s
            for s in by_id.values()
            if s["name"].startswith("chat ") and s["parent"] == thinking["id"]
        )
        assert chat is not None
        assert parent_name(by_id, by_id[thinking["parent"]]) == "invoke_workflow p"
    statuses = [r.data["status"] for r in run.sink.of_kind("workflow.step")]
    assert statuses.count("done") == 2


def test_max_concurrency_one_runs_the_branches_one_at_a_time(tmp_path: Path, server) -> None:
    server.default = Reply(text="answer", delay=0.1)
    run = spell_runner(tmp_path / "lua", "main.lua")(LUA_BRANCHES % 1)
    assert last_json(run)["b"] == "answer tides"
    assert not model_calls_overlap(run)


def test_tengo_branches_wait_on_the_model_at_the_same_time(tmp_path: Path, server) -> None:
    run = spell_runner(tmp_path / "tengo", "main.tengo")("""
        fmt := import("fmt")
        json := import("json")
        workflow := import("workflow")
        llm := import("llm")
        p := workflow.parallel({name: "p", merge: "last_wins", steps: [
          {name: "a", fn: func(s) { return {a: llm.complete("first")} }},
          {name: "b", fn: func(s) { return {b: llm.complete("second")} }}
        ]})
        fmt.println(string(json.encode(workflow.run(p, {}))))
    """)
    assert last_json(run) == {"a": "answer", "b": "answer"}
    assert model_calls_overlap(run)


def test_lua_branch_errors_and_nested_parallels(tmp_path: Path, server) -> None:
    """A failing branch fails the workflow once the others are done; a parallel inside a
    branch runs its own branches at once too."""
    server.default = Reply(text="ok", delay=0.05)
    run = spell_runner(tmp_path / "lua", "main.lua")("""
        local inner = workflow.parallel{name = "inner", merge = "last_wins", steps = {
          {name = "x", fn = function(s) return {x = llm.complete("x")} end},
          {name = "y", fn = function(s) return {y = llm.complete("y")} end},
        }}
        local outer = workflow.parallel{name = "outer", merge = "last_wins", steps = {
          inner,
          {name = "z", fn = function(s) return {z = tools.call("calculate", {expression = "6*7"})} end},
        }}
        print(json.encode(workflow.run(outer, {})))
        local bad = workflow.parallel{name = "bad", steps = {
          {name = "fine", fn = function(s) return {fine = llm.complete("f")} end},
          {name = "broken", fn = function(s) llm.complete("g"); error("no luck") end},
        }}
        local ok, err = pcall(workflow.run, bad, {})
        print(ok, err)
    """)
    lines = run.output.strip().splitlines()
    assert run.error is None, run.error
    assert json.loads(lines[0]) == {"x": "ok", "y": "ok", "z": 42}
    assert lines[1].startswith("false") and "no luck" in lines[1]


def test_javascript_branches_run_one_after_another(tmp_path: Path, server) -> None:
    server.default = Reply(text="answer", delay=0.05)
    run = spell_runner(tmp_path / "js", "main.js")("""
        const p = await workflow.parallel({name: "p", merge: "last_wins", steps: [
          {name: "a", fn: (s) => ({a: llm.complete("first")})},
          {name: "b", fn: (s) => ({b: llm.complete("second")})},
        ]});
        print(JSON.stringify(await workflow.run(p, {})));
    """)
    assert run.error is None, run.error
    assert run.output.strip() == '{"a":"answer","b":"answer"}'
    assert not model_calls_overlap(run)


def test_the_time_limit_ends_a_run_whose_branch_spins(tmp_path: Path) -> None:
    run = spell_runner(tmp_path / "lua", "main.lua")(
        """
        local p = workflow.parallel{name = "p", steps = {
          {name = "spin", fn = function(s) while true do end end},
          {name = "wait", fn = function(s) util.sleep(30) end},
        }}
        workflow.run(p, {})
        """,
        timeout=1,
    )
    assert run.result.status == "limit"
    assert "time limit" in str(run.error)


def test_the_time_limit_ends_a_tengo_run_whose_branch_spins(tmp_path: Path) -> None:
    run = spell_runner(tmp_path / "tengo", "main.tengo")(
        """
        workflow := import("workflow")
        p := workflow.parallel({name: "p", steps: [
          {name: "spin", fn: func(s) { for true {} }},
          {name: "other", fn: func(s) { return {b: 1} }}
        ]})
        workflow.run(p, {})
        """,
        timeout=1,
    )
    assert run.result.status == "limit"
    assert "time limit" in str(run.error)
