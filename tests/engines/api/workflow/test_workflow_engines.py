"""The same workflow service from JavaScript and Tengo; agent steps (with a stand-in agent);
the spellbook's workflow spells and what they print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engines.api.context import RunContext
from engines.api.services import Services
from engines.api.workflow import WorkflowService
from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.spell.params import resolve_params
from engines.telemetry import ListSink
from tests.support.spells import spell_runner

SPELLBOOK = Path(__file__).resolve().parents[4] / "resources" / "spellbook"


def test_a_javascript_spell_runs_a_workflow(tmp_path: Path) -> None:
    run = spell_runner(tmp_path / "js", "main.js")("""
        const id = await workflow.sequential({name: "s", steps: [
          (s) => ({a: s.x + 1}),
          {tool: "calculate", arguments: {expression: "$expr"}, output: "c"},
        ]});
        print(JSON.stringify(await workflow.run(id, {x: 1, expr: "6 * 7"})));
    """)
    assert run.error is None, run.error
    assert run.output.strip() == '{"x":1,"expr":"6 * 7","a":2,"c":42}'


def test_a_tengo_spell_runs_a_workflow(tmp_path: Path) -> None:
    run = spell_runner(tmp_path / "tengo", "main.tengo")("""
        fmt := import("fmt")
        workflow := import("workflow")
        id := workflow.loop({name: "l", times: 3, step: func(s) { return {n: s.n + 1} }})
        fmt.println(workflow.run(id, {n: 0}).n)
    """)
    assert run.error is None, run.error
    assert run.output.strip() == "3"


class _FakeAgent:
    def __init__(self) -> None:
        self.inputs: list[Any] = []

    def run(self, name: str, input: Any) -> dict[str, Any]:
        self.inputs.append((name, input))
        return {"text": f"{name} says hi"}


def test_agent_steps_get_their_input_and_write_their_output(
    ctx: RunContext, services: Services
) -> None:
    agent = _FakeAgent()
    wf = WorkflowService(
        ctx, services.trace, services.hooks, services.state, tools=lambda: None,
        agent=lambda: agent,
    )  # fmt: skip
    wid = wf.sequential(
        {"name": "w", "steps": [
            {"agent": "writer", "input": "topic"},
            {"name": "review", "agent": "critic", "output": "verdict"},
        ]}
    )  # fmt: skip
    assert wf.run(wid, {"topic": "tides"}) == {
        "topic": "tides",
        "writer": "writer says hi",
        "verdict": "critic says hi",
    }
    assert agent.inputs == [
        ("writer", "tides"),
        ("critic", {"topic": "tides", "writer": "writer says hi"}),
    ]


def _spellbook(name: str, tmp_path: Path, **params: Any) -> str:
    """Run a spellbook spell in-process as the CLI does (its manifest's parameter defaults)."""
    spell = load_spell(SPELLBOOK / name)
    values = resolve_params(spell, {}, {k: str(v) for k, v in params.items()})
    sink = ListSink()
    ctx = context_for(spell, values, [sink], state_db=str(tmp_path / "state.db"))
    result = run_spell(spell, ctx)
    assert result.error is None, result.error
    return "".join(r.data["text"] for r in sink.of_kind("output"))


def test_research_pipeline_writes_the_long_or_the_short_report(tmp_path: Path) -> None:
    out = _spellbook("research-pipeline", tmp_path)
    assert "3 sources, 29 words; key terms: barrages" in out
    out = _spellbook("research-pipeline", tmp_path, threshold=50)
    assert out.splitlines()[-1] == "tidal energy: 3 sources."


def test_retry_and_compensate_undoes_in_reverse_order(tmp_path: Path) -> None:
    out = _spellbook("retry-and-compensate", tmp_path).splitlines()
    assert out == [
        "available (after 3 attempts)",
        "booked flight",
        "booked hotel",
        "cancelled hotel",
        "cancelled flight",
        "trip failed: payment refused: 500 is over the budget of 400",
        "still booked: 0",
    ]
    assert _spellbook("retry-and-compensate", tmp_path, budget=1000).splitlines()[-1] == (
        "trip booked: flight + hotel, total 500"
    )


def test_loop_until_done_converges_and_is_guarded(tmp_path: Path) -> None:
    out = _spellbook("loop-until-done", tmp_path)
    assert "sqrt(2) ≈ 1.414213562 after 4 iterations" in out
    assert "3 of 4 answers are odd" in out
    assert "balance after 3 years: 1157.62" in out
    assert "guarded: reached its max_iterations (5)" in out
