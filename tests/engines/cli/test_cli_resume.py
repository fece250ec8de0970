"""`llmspell run --resume RUN_ID`: a workflow that failed at its third step goes on from its
last checkpoint (the first two steps are not run again); a checkpoint recorded before
version 2 still resumes; an unknown run, or a run without a checkpoint, is a usage error (exit
code 2). The other shapes: test_cli_resume_shapes.py, test_cli_resume_engines.py."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from tests.engines.cli.test_cli import llmspell

SPELL = """\
local id = workflow.sequential{name = "pipeline", steps = {
  {name = "one", fn = function(s) print("ran one"); return {n = s.n + 1} end},
  {name = "two", fn = function(s) print("ran two"); return {n = s.n * 10} end},
  {name = "three", fn = function(s)
    print("ran three")
    if not params.get("fixed") then error("three is broken") end
    return {n = s.n + 5}
  end},
  {name = "four", fn = function(s) print("ran four"); return {done = true} end},
}}
local final = workflow.run(id, {n = 1})
print("final", final.n, final.done)
"""

MANIFEST = """\
name: resumable
version: 1.0.0
engine: lua
entry: main.lua
parameters:
  fixed: {type: boolean, default: false}
"""


def run_id_of(stdout: str) -> str:
    return str(json.loads(stdout.splitlines()[0])["run"])


def make_spell(folder: Path, source: str, entry: str = "main.lua") -> Path:
    """A spell folder whose `fixed` parameter (false by default) mends its broken step."""
    engine = {"lua": "lua", "tengo": "tengo", "js": "javascript"}[entry.rsplit(".", 1)[1]]
    folder.mkdir(parents=True)
    (folder / entry).write_text(textwrap.dedent(source))
    (folder / "spell.yaml").write_text(
        MANIFEST.replace("engine: lua", f"engine: {engine}").replace("main.lua", entry)
    )
    return folder


def run_json(*args: str) -> tuple[int, list[dict[str, Any]]]:
    """`llmspell run ... --json`: the exit code and the records."""
    ran = llmspell("run", *args, "--json")
    assert ran.returncode in (0, 1, 3, 4) and ran.stdout, ran.stderr
    return ran.returncode, [json.loads(line) for line in ran.stdout.splitlines()]


def printed(records: list[dict[str, Any]]) -> str:
    return "".join(r["text"] for r in records if r["kind"] == "output")


def skipped_nodes(records: list[dict[str, Any]]) -> list[str]:
    """The nodes skipped as done in the run resumed."""
    return [
        r["node"]
        for r in records
        if r["kind"] == "workflow.step"
        and r["status"] == "skipped"
        and str(r.get("reason", "")).startswith("done in run")
    ]


def fail_then_resume(
    folder: Path, *options: str
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the spell (it fails), then resume it with `fixed=true`: the run id, both runs'
    records."""
    code, first = run_json(str(folder), *options)
    assert code != 0, printed(first)
    run_id = str(first[0]["run"])
    code, second = run_json("--resume", run_id, "--param", "fixed=true")
    assert code == 0, [r for r in second if r["kind"] in ("error", "run.end")]
    return run_id, first, second


def test_resume_goes_on_from_the_last_checkpoint(tmp_path: Path) -> None:
    folder = tmp_path / "resumable"
    folder.mkdir()
    (folder / "main.lua").write_text(SPELL)
    (folder / "spell.yaml").write_text(MANIFEST)
    failed = llmspell("run", str(folder), "--json")
    assert failed.returncode == 1, failed.stderr
    run_id = run_id_of(failed.stdout)
    outputs = [json.loads(line) for line in failed.stdout.splitlines()]
    assert [o["text"] for o in outputs if o["kind"] == "output"] == [
        "ran one\n", "ran two\n", "ran three\n"
    ]  # fmt: skip

    resumed = llmspell("run", "--resume", run_id, "--param", "fixed=true", "--json")
    assert resumed.returncode == 0, resumed.stderr
    records = [json.loads(line) for line in resumed.stdout.splitlines()]
    printed = "".join(r["text"] for r in records if r["kind"] == "output")
    assert printed == "ran three\nran four\nfinal\t25\ttrue\n"
    skipped = [
        (r["step"], r["reason"])
        for r in records
        if r["kind"] == "workflow.step" and r["status"] == "skipped"
    ]
    assert skipped == [("one", f"done in run {run_id}"), ("two", f"done in run {run_id}")]


def test_resume_of_an_unknown_run_or_one_without_checkpoints_is_a_usage_error(
    tmp_path: Path,
) -> None:
    unknown = llmspell("run", "--resume", "nosuchrun")
    assert unknown.returncode == 2
    assert "cannot resume 'nosuchrun'" in unknown.stderr

    plain = tmp_path / "plain.lua"
    plain.write_text('print("no workflow here")\n')
    ran = llmspell("run", str(plain), "--json")
    assert ran.returncode == 0
    again = llmspell("run", "--resume", run_id_of(ran.stdout))
    assert again.returncode == 2
    assert "has no workflow checkpoint" in again.stderr

    assert llmspell("run").returncode == 2


LEGACY = """\
-- What a run recorded before checkpoint version 2 left: {step, completed, state}.
local id = workflow.sequential{name = "pipeline", steps = {
  {name = "one", fn = function(s) print("ran one"); return {n = s.n + 1} end},
  {name = "two", fn = function(s) print("ran two"); return {n = s.n * 10} end},
}}
local loop = workflow.loop{name = "counting", times = 3, step = function(s)
  print("loop", s.n); return {n = s.n + 1}
end}
if not params.get("fixed") then
  state.set("workflow.pipeline.checkpoint",
    {step = "pipeline/one", completed = 1, state = {n = 7}}, "run")
  state.set("workflow.counting.checkpoint",
    {step = "counting/body", completed = 2, state = {n = 2}}, "run")
  error("stopped before version 2")
end
print("final", workflow.run(id, {n = 1}).n)
print("loop", workflow.run(loop, {n = 0}).n)
"""


def test_a_checkpoint_from_before_version_2_resumes_as_it_did(tmp_path: Path) -> None:
    """A sequential workflow goes on after its last top-level step; a loop, whose old
    checkpoint has no iteration, starts over, and a record says why."""
    run_id, _, records = fail_then_resume(make_spell(tmp_path / "legacy", LEGACY))
    assert printed(records) == "ran two\nfinal\t70\nloop\t0\nloop\t1\nloop\t2\nloop\t3\n"
    assert skipped_nodes(records) == ["pipeline/one"]
    notes = [r for r in records if r["kind"] == "workflow.checkpoint"]
    assert notes[0] == {**notes[0], "workflow": "pipeline", "resumed_from": run_id}
    assert notes[1]["workflow"] == "counting" and notes[1]["resumed"] is False
    assert "without a position inside a loop workflow: it starts over" in notes[1]["reason"]
