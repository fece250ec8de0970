"""Another spell as a step, of another engine: a Lua workflow runs a Tengo spell folder and a
JavaScript spell file; each receives the state as its parameters, its run-scope state comes
back as the step's updates, and its records nest under the step's span."""

from __future__ import annotations

from tests.engines.api.workflow.conftest import last_json, steps

FILES = {
    "steps/double/spell.yaml": """\
        name: double
        version: 1.0.0
        engine: tengo
        entry: main.tengo
        parameters:
          n: {type: integer}
        """,
    "steps/double/main.tengo": """\
        params := import("params")
        state := import("state")
        log := import("log")
        log.info("doubling", {n: params.get("n")})
        state.set("n", params.get("n") * 2)
        """,
    "steps/shout.js": """\
        const word = params.get("word");
        state.set("shout", word.toUpperCase() + "!".repeat(params.get("n")));
        print("shouted");
        """,
}


def test_a_lua_workflow_runs_tengo_and_javascript_spells_as_steps(run_lua) -> None:
    run = run_lua(
        """
        local id = workflow.sequential{name = "mixed", steps = {
          {spell = "steps/double"},
          {spell = "steps/shout.js", params = {word = "$greeting.word"}},
        }}
        print(json.encode(workflow.run(id, {n = 3, greeting = {word = "hey"}})))
        """,
        files=FILES,
    )
    final = last_json(run)
    assert final == {"n": 6, "greeting": {"word": "hey"}, "shout": "HEY!!!!!!"}
    assert "shouted\n" in run.output
    done = [(s["step"], s["kind"]) for s in steps(run) if s["status"] == "done"]
    assert done == [("double", "spell"), ("shout", "spell")]
    starts = {r.data["id"]: r.data for r in run.sink.of_kind("span.start")}
    invoked = {d["name"]: d for d in starts.values() if d["name"].startswith("invoke_spell")}
    assert set(invoked) == {"invoke_spell double", "invoke_spell shout"}
    assert starts[invoked["invoke_spell double"]["parent"]]["name"] == "workflow_step double"
    logs = [r for r in run.sink.of_kind("log") if r.data["message"] == "doubling"]
    assert logs and logs[0].data["fields"] == {"n": 3}


def test_a_failing_spell_step_fails_the_step_with_its_error(run_lua) -> None:
    run = run_lua(
        """
        local id = workflow.sequential{name = "w", steps = {
          {spell = "steps/bad.js", on_error = "continue"},
          {spell = "steps/missing"},
        }}
        local ok, err = pcall(workflow.run, id, {})
        print(ok, err)
        """,
        files={"steps/bad.js": 'throw new Error("bad input");\n'},
    )
    assert run.error is None, run.error
    failed = [s for s in steps(run) if s["status"] == "failed"]
    assert "bad input" in failed[0]["error"]
    assert "no spell 'steps/missing'" in run.output
