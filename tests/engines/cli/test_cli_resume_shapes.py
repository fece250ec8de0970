"""`llmspell run --resume RUN_ID` for every shape of Lua workflow, through the real CLI and
run store: each spell fails on its first run (its `fixed` parameter is false) and is resumed
with `fixed=true`; what ran the second time is what it prints."""

from __future__ import annotations

from pathlib import Path

from tests.engines.cli.test_cli_resume import (
    fail_then_resume,
    make_spell,
    printed,
    run_json,
    skipped_nodes,
)

NESTED = """\
local inner = workflow.sequential{name = "inner", steps = {
  {name = "b", fn = function(s) print("ran b"); return {n = s.n * 10} end},
  {name = "c", fn = function(s)
    print("ran c")
    if not params.get("fixed") then error("c is broken") end
    return {n = s.n + 5}
  end},
}}
local outer = workflow.sequential{name = "outer", steps = {
  {name = "a", fn = function(s) print("ran a"); return {n = s.n + 1} end},
  inner,
  {name = "d", fn = function(s) print("ran d"); return {done = true} end},
}}
local final = workflow.run(outer, {n = 1})
print("final", final.n, final.done)
"""


def test_sequential_inside_sequential_goes_on_inside_the_nested_one(tmp_path: Path) -> None:
    run_id, first, records = fail_then_resume(make_spell(tmp_path / "nested", NESTED))
    assert printed(first) == "ran a\nran b\nran c\n"
    assert printed(records) == "ran c\nran d\nfinal\t25\ttrue\n"
    assert skipped_nodes(records) == ["outer/a", "outer/inner/b"]
    reasons = {r["reason"] for r in records if r["kind"] == "workflow.step" and "reason" in r}
    assert reasons == {f"done in run {run_id}"}


LOOP = """\
local loop = workflow.loop{name = "count", times = 5, steps = {
  {name = "add", fn = function(s) print("add", s.n); return {n = s.n + 1} end},
  {name = "check", fn = function(s)
    print("check", s.n)
    if s.n == 3 and not params.get("fixed") then error("three is unlucky") end
    return {seen = (s.seen or 0) + 1}
  end},
}}
local final = workflow.run(loop, {n = 0})
print("final", final.n, final.seen)
"""


def test_a_loop_goes_on_at_the_iteration_that_failed(tmp_path: Path) -> None:
    _, first, records = fail_then_resume(make_spell(tmp_path / "loop", LOOP))
    assert printed(first).splitlines()[-2:] == ["add\t2", "check\t3"]
    # Iteration 3 had done `add`: it goes on at `check`, then iterations 4 and 5.
    assert printed(records) == "check\t3\nadd\t3\ncheck\t4\nadd\t4\ncheck\t5\nfinal\t5\t5\n"
    assert skipped_nodes(records) == ["count/add"]
    iterations = [
        (r["step"], r["iteration"])
        for r in records
        if r["kind"] == "workflow.step" and r["status"] == "done"
    ]
    assert iterations == [("check", 3), ("add", 4), ("check", 4), ("add", 5), ("check", 5)]


OVER = """\
local loop = workflow.loop{name = "each", over = {"x", "y", "z", "w"}, as = "word",
  step = {name = "shout", fn = function(s)
    print("shout", s.word, s.index)
    if s.word == "z" and not params.get("fixed") then error("z is broken") end
    return {out = (s.out or "") .. s.word:upper()}
  end},
  max_iterations = 4}
local final = workflow.run(loop, {})
print("final", final.out)
"""


def test_an_over_loop_goes_on_at_the_item(tmp_path: Path) -> None:
    _, first, records = fail_then_resume(make_spell(tmp_path / "over", OVER))
    assert printed(first) == "shout\tx\t1\nshout\ty\t2\nshout\tz\t3\n"
    assert printed(records) == "shout\tz\t3\nshout\tw\t4\nfinal\tXYZW\n"


CONDITIONAL = """\
local decide = workflow.conditional{name = "decide", branches = {
  {when = function(s) print("deciding"); return not params.get("fixed") end,
   step = {name = "first", fn = function(s)
     print("ran first")
     if not params.get("fixed") then error("first is broken") end
     return {took = "first"}
   end}},
}, default = {name = "other", fn = function(s) print("ran other"); return {took = "other"} end}}
local pipe = workflow.sequential{name = "pipe", steps = {
  {name = "prepare", fn = function(s) print("ran prepare"); return {ready = true} end},
  decide,
}}
print("final", workflow.run(pipe, {}).took)
"""


def test_a_conditional_keeps_the_branch_it_had_decided_on(tmp_path: Path) -> None:
    """Resumed with fixed=true its predicate would now choose `other`: the branch decided
    on (and started) in the run resumed is kept, and the predicate is not asked again."""
    _, first, records = fail_then_resume(make_spell(tmp_path / "cond", CONDITIONAL))
    assert printed(first) == "ran prepare\ndeciding\nran first\n"
    assert printed(records) == "ran first\nfinal\tfirst\n"
    assert skipped_nodes(records) == ["pipe/prepare"]


PARALLEL = """\
local function branch(name, value)
  return {name = name, fn = function(s)
    print("ran " .. name)
    if name == "b" and not params.get("fixed") then error("b is broken") end
    return {[name] = value + s.base}
  end}
end
local fan = workflow.parallel{name = "fan", max_concurrency = 1, merge = "last_wins",
  steps = {branch("a", 1), branch("c", 3), branch("b", 2), branch("d", 4)}}
local final = workflow.run(fan, {base = 10})
print("final", final.a, final.b, final.c, final.d)
"""


def test_parallel_runs_only_the_branches_that_had_not_finished(tmp_path: Path) -> None:
    """a and c finished before b failed (one at a time, in order): their updates are kept;
    b and d (never started) run."""
    _, first, records = fail_then_resume(make_spell(tmp_path / "par", PARALLEL))
    assert printed(first) == "ran a\nran c\nran b\n"
    assert printed(records) == "ran b\nran d\nfinal\t11\t12\t13\t14\n"
    assert skipped_nodes(records) == ["fan/a", "fan/c"]


TWO = """\
local first = workflow.sequential{name = "first", steps = {
  {name = "one", fn = function(s) print("ran one"); return {n = s.n + 1} end},
}}
local second = workflow.sequential{name = "second", steps = {
  {name = "two", fn = function(s)
    print("ran two")
    if not params.get("fixed") then error("two is broken") end
    return {n = s.n * 100}
  end},
}}
local a = workflow.run(first, {n = 1})
print("between", a.n)  -- the spell's own code: it runs again on resume
local b = workflow.run(second, {n = a.n})
print("final", b.n)
"""


def test_a_workflow_that_finished_is_not_run_again(tmp_path: Path) -> None:
    run_id, _, records = fail_then_resume(make_spell(tmp_path / "two", TWO))
    assert printed(records) == "between\t2\nran two\nfinal\t200\n"
    notes = [r for r in records if r["kind"] == "workflow.checkpoint"]
    assert notes[0]["workflow"] == "first" and notes[0]["finished"] is True
    assert notes[0]["resumed_from"] == run_id


NESTED_MIX = """\
-- Loop > parallel > sequential: resumed inside a branch inside an iteration.
local branch_b = workflow.sequential{name = "bseq", steps = {
  {name = "b1", fn = function(s) print("b1", s.i); return {b1 = s.i} end},
  {name = "b2", fn = function(s)
    print("b2", s.i)
    if s.i == 2 and not params.get("fixed") then error("b2 is broken") end
    return {b2 = s.i}
  end},
}}
local fan = workflow.parallel{name = "fan", max_concurrency = 1, steps = {
  {name = "a", fn = function(s) print("a", s.i); return {a = s.i} end},
  branch_b,
}}
local loop = workflow.loop{name = "rounds", over = {1, 2, 3}, as = "i", steps = {
  fan,
  {name = "tally", fn = function(s)
    print("tally", s.i)
    return {sum = (s.sum or 0) + s.a.a + s.bseq.b1 + s.bseq.b2}
  end},
}}
print("final", workflow.run(loop, {}).sum)
"""


def test_a_loop_of_parallel_of_sequential_goes_on_inside_the_branch(tmp_path: Path) -> None:
    _, first, records = fail_then_resume(make_spell(tmp_path / "mix", NESTED_MIX))
    assert printed(first).splitlines()[-3:] == ["a\t2", "b1\t2", "b2\t2"]
    assert printed(records) == "b2\t2\ntally\t2\na\t3\nb1\t3\nb2\t3\ntally\t3\nfinal\t18\n"
    assert skipped_nodes(records) == ["rounds/fan/a", "rounds/fan/bseq/b1"]


CONCURRENT = """\
local function branch(name)
  return {name = name, fn = function(s)
    print("ran " .. name)
    if name == "b" and not params.get("fixed") then error("b is broken") end
    return {[name] = name:upper()}
  end}
end
local fan = workflow.parallel{name = "fan", merge = "last_wins",
  steps = {branch("a"), branch("b"), branch("c")}}
local final = workflow.run(fan, {})
print("final", final.a, final.b, final.c)
"""


def test_concurrent_lua_branches_that_finished_keep_their_updates(tmp_path: Path) -> None:
    """All three branches start at once (Lua coroutines): a and c finish, b fails."""
    _, first, records = fail_then_resume(make_spell(tmp_path / "conc", CONCURRENT))
    assert sorted(printed(first).splitlines()) == ["ran a", "ran b", "ran c"]
    assert printed(records) == "ran b\nfinal\tA\tB\tC\n"
    assert sorted(skipped_nodes(records)) == ["fan/a", "fan/c"]


CHAIN = """\
-- Fails when n is the number in ctl/fail_at.txt (in the spell folder; no file: it does not).
local loop = workflow.loop{name = "count", times = 5, step = {name = "add", fn = function(s)
  print("add", s.n)
  local ok, file = pcall(tools.call, "file_read", {path = "ctl/fail_at.txt"})
  if ok and tonumber(file.content) == s.n then error("failing at " .. s.n) end
  return {n = s.n + 1}
end}}
print("final", workflow.run(loop, {n = 0}).n)
"""


def test_a_resumed_run_that_fails_again_can_be_resumed_in_turn(tmp_path: Path) -> None:
    folder = make_spell(tmp_path / "chain", CHAIN)
    (folder / "spell.yaml").write_text(
        (folder / "spell.yaml").read_text() + "permissions:\n  files:\n    read: [ctl]\n"
    )
    (folder / "ctl").mkdir()
    (folder / "ctl" / "fail_at.txt").write_text("1")
    code, first = run_json(str(folder))
    assert code == 1 and printed(first) == "add\t0\nadd\t1\n"
    (folder / "ctl" / "fail_at.txt").write_text("3")
    code, second = run_json("--resume", str(first[0]["run"]))
    assert code == 1 and printed(second) == "add\t1\nadd\t2\nadd\t3\n"
    (folder / "ctl" / "fail_at.txt").unlink()
    code, third = run_json("--resume", str(second[0]["run"]))
    assert code == 0 and printed(third) == "add\t3\nadd\t4\nfinal\t5\n"
