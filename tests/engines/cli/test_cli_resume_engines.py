"""`llmspell run --resume RUN_ID` from Tengo and JavaScript, and of runs that did not fail
but were stopped: by the time limit, or terminated from the debugger (`llmspell debug`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.engines.cli.test_cli import REPO, llmspell
from tests.engines.cli.test_cli_resume import (
    MANIFEST,
    fail_then_resume,
    make_spell,
    printed,
    run_json,
    skipped_nodes,
)

TENGO = """\
fmt := import("fmt")
params := import("params")
workflow := import("workflow")
inner := workflow.sequential({name: "inner", steps: [
    {name: "b", fn: func(s) { fmt.println("b ", s.index); return {b: s.index} }},
    {name: "c", fn: func(s) {
        fmt.println("c ", s.index)
        if s.index == 2 && !params.get("fixed") { return error("c is broken") }
        return {total: s.total + s.b * 10}
    }}
]})
loop := workflow.loop({name: "each", over: [1, 2, 3], as: "x", steps: [
    {name: "a", fn: func(s) { fmt.println("a ", s.index); return {total: s.total + s.x} }},
    inner
]})
fmt.println("final ", workflow.run(loop, {total: 0}).total)
"""


def test_a_tengo_loop_goes_on_inside_its_nested_workflow(tmp_path: Path) -> None:
    _, first, records = fail_then_resume(make_spell(tmp_path / "tg", TENGO, "main.tengo"))
    assert printed(first).split() == ["a", "1", "b", "1", "c", "1", "a", "2", "b", "2", "c", "2"]
    assert printed(records).split() == [
        "c", "2", "a", "3", "b", "3", "c", "3", "final", "66"
    ]  # fmt: skip
    assert skipped_nodes(records) == ["each/a", "each/inner/b"]


JAVASCRIPT = """\
const branch = (name) => ({name, fn: (s) => {
  print(`ran ${name}`);
  if (name === "b" && !params.get("fixed")) throw new Error("b is broken");
  return {[name]: s.base + name};
}});
const fan = await workflow.parallel({name: "fan", steps: [branch("a"), branch("b"), branch("c")]});
const final = await workflow.run(fan, {base: "x"});
print(JSON.stringify([final.a, final.b, final.c]));
"""


def test_a_javascript_parallel_runs_only_its_unfinished_branches(tmp_path: Path) -> None:
    """JavaScript branches run one after another: a finished, b failed, c never started."""
    _, first, records = fail_then_resume(make_spell(tmp_path / "js", JAVASCRIPT, "main.js"))
    assert printed(first) == "ran a\nran b\n"
    assert printed(records) == 'ran b\nran c\n[{"a":"xa"},{"b":"xb"},{"c":"xc"}]\n'
    assert skipped_nodes(records) == ["fan/a"]


SLOW = """\
local inner = workflow.sequential{name = "inner", steps = {
  {name = "b1", fn = function(s) print("ran b1"); return {n = s.n * 10} end},
  {name = "b2", fn = function(s)
    print("ran b2")
    if not params.get("fixed") then util.sleep(30) end
    return {n = s.n + 5}
  end},
}}
local outer = workflow.sequential{name = "outer", steps = {
  {name = "a", fn = function(s) print("ran a"); return {n = s.n + 1} end},
  inner,
}}
print("final", workflow.run(outer, {n = 1}).n)
"""


def test_a_run_stopped_by_its_time_limit_resumes(tmp_path: Path) -> None:
    _, first, records = fail_then_resume(make_spell(tmp_path / "slow", SLOW), "--timeout", "2")
    assert first[-1]["kind"] == "run.end" and first[-1]["exit_code"] == 3
    assert printed(records) == "ran b2\nfinal\t25\n"
    assert skipped_nodes(records) == ["outer/a", "outer/inner/b1"]


STEPS = """\
local id = workflow.sequential{name = "w", steps = {
  {name = "first", fn = function(s) print("first ran"); return {a = s.start + 1} end},
  {name = "second", fn = function(s) print("second ran"); return {b = s.a * 10} end},
}}
print(json.encode(workflow.run(id, {start = 1})))
"""


def test_a_run_terminated_from_the_debugger_resumes(tmp_path: Path) -> None:
    folder = make_spell(tmp_path / "debugged", STEPS)
    name = f"terminated-{tmp_path.name.replace('_', '-').lower()}"[:60]
    (folder / "spell.yaml").write_text(MANIFEST.replace("resumable", name))
    stopped = subprocess.run(
        [sys.executable, "-m", "engines.cli.main", "debug", str(folder), "--break", "step:second"],
        input="q\n", capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip
    assert "first ran" in stopped.stdout and "second ran" not in stopped.stdout
    listed = llmspell("runs", "list", "--spell", name, "--limit", "1")
    run_id, _, status = listed.stdout.splitlines()[1].split()[:3]
    assert status == "terminated"
    code, records = run_json("--resume", run_id)
    assert code == 0
    second_ran, final = printed(records).splitlines()
    assert second_ran == "second ran" and json.loads(final) == {"start": 1, "a": 2, "b": 20}
    assert skipped_nodes(records) == ["w/first"]
