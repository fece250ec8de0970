"""Each construct from a real Lua spell: sequential, parallel, conditional, loop, nesting."""

from __future__ import annotations

from tests.engines.api.workflow.conftest import last_json, steps


def test_sequential_passes_the_state_from_step_to_step(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "seq", steps = {
          function(s) return {a = s.start + 1} end,
          {name = "double", fn = function(s) return {b = s.a * 2} end},
          function(s) end,  -- nil: no updates
        }}
        assert(id == "seq")
        print(json.encode(workflow.run(id, {start = 1})))
    """)
    assert last_json(run) == {"start": 1, "a": 2, "b": 4}
    done = [s["step"] for s in steps(run) if s["status"] == "done"]
    assert done == ["step1", "double", "step3"]


def test_tool_step_reads_state_paths_and_writes_its_output(run_lua):
    run = run_lua("""
        local id = workflow.sequential{name = "t", steps = {
          {tool = "calculate", arguments = {expression = "$expr"}, output = "value"},
          {name = "fn_args", tool = "calculate",
           arguments = function(s) return {expression = s.value .. " * 10"} end},
        }}
        print(json.encode(workflow.run(id, {expr = "6 * 7"})))
    """)
    assert last_json(run) == {"expr": "6 * 7", "value": 42, "fn_args": 420}


def test_conditional_takes_the_first_true_branch_else_the_default(run_lua):
    run = run_lua("""
        local c = workflow.conditional{name = "c", branches = {
          {when = {path = "score", op = ">", value = 5}, step = {name = "high",
            fn = function(s) return {grade = "high"} end}},
          {when = function(s) return s.score > 2 end, step = {name = "mid",
            fn = function(s) return {grade = "mid"} end}},
        }, default = {name = "low", fn = function(s) return {grade = "low"} end}}
        local out = {}
        for _, score in ipairs({9, 3, 1}) do out[#out + 1] = workflow.run(c, {score = score}).grade end
        print(json.encode(out))
    """)
    assert last_json(run) == ["high", "mid", "low"]
    skipped = [s["step"] for s in steps(run) if s["status"] == "skipped"]
    assert skipped[:2] == ["mid", "low"]


def test_declarative_conditions_combine(run_lua):
    run = run_lua("""
        local c = workflow.conditional{name = "c", branches = {
          {when = {all = {{path = "user.age", op = ">=", value = 18},
                          {path = "tags", op = "contains", value = "vip"}}},
           step = function(s) return {route = "vip"} end},
          {when = {["not"] = {path = "user.name"}}, step = function(s) return {route = "anon"} end},
        }, default = function(s) return {route = "plain"} end}
        print(json.encode({
          workflow.run(c, {user = {age = 30, name = "a"}, tags = {"vip"}}).route,
          workflow.run(c, {user = {age = 30}, tags = {}}).route,
          workflow.run(c, {user = {age = 3, name = "b"}, tags = {"vip"}}).route,
        }))
    """)
    assert last_json(run) == ["vip", "anon", "plain"]


def test_loops_while_times_and_over(run_lua):
    run = run_lua("""
        local w = workflow.loop{name = "w", condition = {path = "n", op = "<", value = 5},
          step = function(s) return {n = s.n + 1} end}
        local w2 = workflow.loop{name = "w2", ["while"] = function(s) return s.n < 2 end,
          step = function(s) return {n = s.n + 1} end}
        local t = workflow.loop{name = "t", times = 3, step = function(s) return {n = s.n * 2} end}
        local o = workflow.loop{name = "o", over = {"a", "b", "c"}, as = "letter",
          step = function(s) return {seen = s.seen .. s.letter .. s.index} end}
        print(json.encode({workflow.run(w, {n = 0}).n, workflow.run(w2, {n = 0}).n,
          workflow.run(t, {n = 1}).n, workflow.run(o, {seen = ""}).seen}))
    """)
    assert last_json(run) == [5, 2, 8, "a1b2c3"]


def test_the_loop_guard_always_applies(run_lua):
    run = run_lua("""
        local w = workflow.loop{name = "forever", condition = function() return true end,
          max_iterations = 7, step = function(s) return {n = (s.n or 0) + 1} end}
        local ok, err = pcall(workflow.run, w)
        print(tostring(err))
        local t = workflow.loop{name = "many", times = 500, step = function() end}
        print(select(2, pcall(workflow.run, t)))
    """)
    assert "max_iterations (7)" in run.output
    assert "more than its max_iterations (100)" in run.output
    assert len([s for s in steps(run) if s["status"] == "done"]) == 7


def test_workflows_nest_to_any_depth(run_lua):
    run = run_lua("""
        local inner = workflow.sequential{name = "inner", steps = {
          function(s) return {depth = s.depth + 1} end}}
        local id = inner
        for i = 1, 6 do
          id = workflow.sequential{name = "level" .. i, steps = {id, {workflow = inner,
            name = "again"}}}
        end
        local loop = workflow.loop{name = "outer", times = 2, step = id}
        print(json.encode(workflow.run(loop, {depth = 0})))
    """)
    # Each level runs the level below it, then inner once more: 1 + 6 = 7 increments, twice.
    assert last_json(run) == {"depth": 14}
    nodes = {s["node"] for s in steps(run)}
    assert "outer/level6/level5/level4/level3/level2/level1/inner/step1" in nodes


def test_bad_definitions_are_clear_errors(run_lua):
    run = run_lua("""
        local function err(f, ...) return select(2, pcall(f, ...)) end
        print(err(workflow.sequential, {name = "x", stepz = {}}))
        print(err(workflow.sequential, {name = "x", steps = {42}}))
        print(err(workflow.sequential, {name = "x", steps = {{fn = print, tool = "a"}}}))
        print(err(workflow.parallel, {name = "x", steps = {}, merge = "first"}))
        print(err(workflow.loop, {name = "x", step = print}))
        print(err(workflow.conditional, {name = "x", branches = {{when = {op = ">"}, step = print}}}))
        print(err(workflow.run, "missing"))
        print(err(workflow.sequential, {name = "x", steps = {print, {name = "step1", fn = print}}}))
    """)
    out = run.output
    assert "unknown sequential workflow settings: stepz" in out
    assert "a step is a function" in out
    assert "exactly one of fn, agent, tool, workflow" in out
    assert "merge must be" in out
    assert "exactly one of while" in out
    assert "needs a path" in out
    assert "no workflow 'missing'" in out
    assert "two steps are named 'step1'" in out
