"""`llmspell run --resume RUN_ID`: a workflow that failed at its third step goes on from its
last checkpoint (the first two steps are not run again); an unknown run, or a run without a
checkpoint, is a usage error (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

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
