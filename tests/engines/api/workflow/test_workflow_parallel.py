"""Parallel branches: each starts from the same state; merges namespaced, last_wins (with
conflicts reported) and by a reducer function."""

from __future__ import annotations

from tests.engines.api.workflow.conftest import last_json

BRANCHES = """
    local branches = {
      {name = "left", fn = function(s) return {shared = "L", left = s.base + 1} end},
      {name = "right", fn = function(s) return {shared = "R", right = s.base + 2} end},
      {name = "same", fn = function(s) return {shared = "R"} end},
    }
"""


def test_namespaced_merge_puts_each_branch_updates_under_its_name(run_lua):
    run = run_lua(
        BRANCHES
        + """
        local p = workflow.parallel{name = "p", steps = branches}
        print(json.encode(workflow.run(p, {base = 10})))
    """
    )
    assert last_json(run) == {
        "base": 10,
        "left": {"shared": "L", "left": 11},
        "right": {"shared": "R", "right": 12},
        "same": {"shared": "R"},
    }
    assert run.sink.of_kind("workflow.conflict") == []


def test_last_wins_merges_flat_and_reports_conflicts(run_lua):
    run = run_lua(
        BRANCHES
        + """
        local p = workflow.parallel{name = "p", steps = branches, merge = "last_wins",
          max_concurrency = 2}
        print(json.encode(workflow.run(p, {base = 10})))
    """
    )
    assert last_json(run) == {"base": 10, "shared": "R", "left": 11, "right": 12}
    conflicts = [r.data for r in run.sink.of_kind("workflow.conflict")]
    # left vs right differ; right vs same agree: one conflict only.
    assert len(conflicts) == 1
    assert conflicts[0]["key"] == "shared"
    assert conflicts[0]["branches"] == ["left", "right"]
    assert conflicts[0]["values"] == ["L", "R"]
    assert conflicts[0]["kept"] == "right"


def test_a_reducer_function_merges_the_results(run_lua):
    run = run_lua(
        BRANCHES
        + """
        local p = workflow.parallel{name = "p", steps = branches, merge = function(state, results)
          return {total = results.left.left + results.right.right, n = state.base}
        end}
        print(json.encode(workflow.run(p, {base = 10})))
    """
    )
    assert last_json(run) == {"base": 10, "total": 23, "n": 10}


def test_branches_do_not_see_each_other(run_lua):
    run = run_lua("""
        local p = workflow.parallel{name = "p", merge = "last_wins", steps = {
          function(s) return {a = 1} end,
          function(s) return {saw_a = s.a ~= nil} end,
        }}
        print(json.encode(workflow.run(p, {})))
    """)
    assert last_json(run) == {"a": 1, "saw_a": False}
