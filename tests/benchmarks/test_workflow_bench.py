"""Figures for workflows (printed, never asserted): the overhead per step without a debugger
(target ≤ 1 ms), from a real Lua spell: a sequential workflow of N no-op steps, minus the same
N function calls made directly from Lua. The overhead includes the step records, the span,
the two hook points, the state diff and the checkpoint (after every step, at any depth, with
the frames of the workflows in progress)."""

from __future__ import annotations

from pathlib import Path

from tests.support.spells import spell_runner

N = 2000

SPELL = f"""
local steps = {{}}
for i = 1, {N} do steps[i] = function(s) return {{n = s.n + 1}} end end
local id = workflow.sequential{{name = "bench", steps = steps}}
local nested = workflow.loop{{name = "loop", times = {N}, max_iterations = {N}, step = function(s) return {{n = s.n + 1}} end}}
workflow.run(id, {{n = 0}})  -- warm up
local t0 = os.clock()
local final = workflow.run(id, {{n = 0}})
local t1 = os.clock()
assert(final.n == {N})
print(t1 - t0)
local t2 = os.clock()
local s = {{n = 0}}
for i = 1, {N} do
  local u = steps[i](s)
  s = {{n = u.n}}
end
print(os.clock() - t2)
local t3 = os.clock()
workflow.run(nested, {{n = 0}})
print(os.clock() - t3)
local inner = workflow.sequential{{name = "inner", steps = steps}}
local outer = workflow.sequential{{name = "outer", steps = {{inner}}}}
local t4 = os.clock()
assert(workflow.run(outer, {{n = 0}}).n == {N})
print(os.clock() - t4)
"""


def test_workflow_overhead_per_step(tmp_path: Path) -> None:
    run = spell_runner(tmp_path / "bench", "main.lua")(SPELL, timeout=120)
    assert run.error is None, run.error
    workflow_s, direct_s, loop_s, nested_s = (float(x) for x in run.output.split())
    per_step = (workflow_s - direct_s) / N * 1000
    per_loop = loop_s / N * 1000
    per_nested = (nested_s - direct_s) / N * 1000
    print(
        f"\nworkflow overhead per step (sequential, {N} steps, no debugger): {per_step:.3f} ms "
        f"(target ≤ 1 ms); loop iteration with its step: {per_loop:.3f} ms; "
        f"step of a nested sequential (two frames in each checkpoint): {per_nested:.3f} ms"
    )


PARALLEL = """
local function ask(key)
  return {name = key, fn = function(s) return {[key] = llm.complete("question " .. key)} end}
end
local p = workflow.parallel{name = "p", steps = {ask("a"), ask("b")}}
workflow.run(p, {})
"""


def test_parallel_branches_waiting_one_second_each(tmp_path: Path, monkeypatch) -> None:
    """Two Lua branches, each waiting 1 s on a real (local, scripted) OpenAI-compatible
    server: the parallel workflow's span lasts about 1 s, not 2."""
    from tests.support.openai_server import OpenAICompatibleServer, Reply

    server = OpenAICompatibleServer().start()
    server.default = Reply(text="answer", delay=1.0)
    monkeypatch.setenv("LLMSPELL_PROVIDER_TEST_BASE_URL", server.base_url)
    monkeypatch.setenv("LLMSPELL_PROVIDER_TEST_API_KEY", "sk-test")
    monkeypatch.setenv("LLMSPELL_MODEL", "test/test-model")
    try:
        # The first run imports the LLM client (litellm, seconds): a warm-up, not counted.
        spell_runner(tmp_path / "warm-up", "main.lua")(PARALLEL, timeout=120)
        for engine, entry, source in (
            ("lua", "main.lua", PARALLEL),
            ("tengo", "main.tengo", _TENGO_PARALLEL),
        ):
            run = spell_runner(tmp_path / engine, entry)(source, timeout=60)
            assert run.error is None, run.error
            span = next(
                r.data
                for r in run.sink.of_kind("span.end")
                if r.data["name"] == "invoke_workflow p"
            )
            print(
                f"\n{engine}: parallel workflow, 2 branches each waiting 1 s on the model: "
                f"{span['duration']:.3f} s"
            )
    finally:
        server.stop()


_TENGO_PARALLEL = """
workflow := import("workflow")
llm := import("llm")
p := workflow.parallel({name: "p", steps: [
  {name: "a", fn: func(s) { return {a: llm.complete("question a")} }},
  {name: "b", fn: func(s) { return {b: llm.complete("question b")} }}
]})
workflow.run(p, {})
"""
