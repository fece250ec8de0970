"""Stepping through a workflow over DAP: the function breakpoint `step` stops before every
step, `step:NAME` before that step only, with the step's node and its input state."""

from __future__ import annotations

from tests.engines.host.conftest import host, spell  # noqa: F401  (fixtures)

PIPELINE = """
local id = workflow.sequential{name = "w", steps = {
  {name = "first", fn = function(s) return {a = 1} end},
  {name = "second", fn = function(s) return {b = s.a + 1} end},
}}
local final = workflow.run(id, {start = true})
print(final.a, final.b)
"""


def test_step_breakpoint_stops_before_each_step_with_its_state(host, spell):  # noqa: F811
    dap = host().launch(spell(PIPELINE), functions=["step"])
    first = dap.stopped()
    assert first["reason"] == "function breakpoint"
    assert first["llmspell"]["kind"] == "step"
    assert first["llmspell"]["payload"] == {
        "step": "w/first",
        "name": "first",
        "kind": "function",
        "state": {"start": True},
    }
    assert "before step first" in first["description"]
    dap.resume()
    second = dap.stopped()
    assert second["llmspell"]["payload"]["state"] == {"start": True, "a": 1}
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "1\t2\n"


def test_step_name_breakpoint_stops_before_that_step_only(host, spell):  # noqa: F811
    dap = host().launch(spell(PIPELINE), functions=["step:second"])
    stopped = dap.stopped()
    assert stopped["llmspell"]["payload"]["step"] == "w/second"
    dap.resume()
    assert dap.exit_code() == 0
    assert len(dap.events_named("stopped")) == 1
