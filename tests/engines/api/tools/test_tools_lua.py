"""Tools from a real Lua spell: spell-defined tools, builtins, errors the spell can catch."""

from __future__ import annotations

import json

MANIFEST = """\
name: tools-user
version: 1.0.0
engine: lua
entry: main.lua
permissions:
  files:
    read: [data]
    write: [data]
"""


def test_a_spell_defines_and_calls_its_own_tool(run_lua):
    """tools.register with a Lua function; tools.call validates and returns its result."""
    run = run_lua(
        """
        tools.register("add", "Add two numbers.", {
          type = "object",
          properties = {a = {type = "number"}, b = {type = "number"}},
          required = {"a", "b"},
        }, function(args) return {sum = args.a + args.b, kind = math.type(args.a)} end)
        local r = tools.call("add", {a = 2, b = 40})
        print(r.sum, r.kind)
        local d = tools.describe("add")
        print(d.name, d.group, d.builtin, d.parameters.required[2])
        print(#tools.list("spell"), #tools.list() >= 31)
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output.splitlines() == ["42\tinteger", "add\tspell\tfalse\tb", "1\ttrue"]
    ends = [r.data for r in run.sink.of_kind("span.end")]
    assert ends[0]["name"] == "execute_tool add"
    assert json.loads(ends[0]["attributes"]["gen_ai.tool.call.result"]) == {
        "sum": 42,
        "kind": "integer",
    }


def test_failures_are_catchable_errors_naming_the_tool(run_lua):
    """Bad arguments, a Lua error in the tool and a non-JSON result are errors for pcall."""
    run = run_lua(
        """
        tools.register("add", "Add.", {type = "object",
          properties = {a = {type = "number"}}, required = {"a"}}, function(a) return a.a end)
        tools.register("boom", "Fails.", {type = "object"}, function(a) error("kaboom") end)
        tools.register("fn", "Gives a function.", {}, function(a) return {f = print} end)
        print(pcall(tools.call, "add", {a = "x"}))
        print(pcall(tools.call, "boom"))
        print(pcall(tools.call, "fn"))
        print(pcall(tools.call, "nope"))
        """
    )
    assert run.result.status == "ok", run.error
    lines = run.output.splitlines()
    assert lines[0] == "false\ttool 'add' failed: arguments.a: 'x' is not of type 'number'"
    assert lines[1].startswith("false\ttool 'boom' failed: ")
    assert lines[1].endswith("kaboom")
    assert (
        lines[2] == "false\ttool 'fn' failed: the result is not JSON-able: result.f is a function"
    )
    assert lines[3].startswith("false\ttool 'nope' failed: unknown tool 'nope'")


def test_an_uncaught_tool_failure_ends_the_run_at_the_spell_line(run_lua):
    """Without pcall the error stops the spell, reported at the calling line."""
    run = run_lua('local x = 1\nlocal y = tools.call("calculate", {expression = "1/0"})\n')
    assert run.result.status == "error"
    assert run.error.line == 2
    assert "tool 'calculate' failed: division by zero" in run.error.message


def test_hooks_written_in_lua_change_and_cancel_calls(run_lua):
    """before_tool_call and after_tool_call hooks from Lua change arguments and results."""
    run = run_lua(
        """
        hooks.register("before_tool_call", function(p)
          if p.tool == "file_delete" then return {cancel = true, reason = "read-only day"} end
          if p.tool == "calculate" then
            p.arguments.expression = p.arguments.expression .. " + 1"
            return p
          end
        end)
        hooks.register("after_tool_call", function(p)
          if p.tool == "calculate" then p.result = p.result * 10; return p end
        end)
        print(tools.call("calculate", {expression = "1"}))
        print(pcall(tools.call, "file_delete", {path = "data/x"}))
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output.splitlines() == [
        "20",
        "false\ttool 'file_delete' failed: cancelled by hook: read-only day",
    ]


def test_builtins_from_lua_with_the_manifest_roots(run_lua):
    """File tools reach only the manifest's roots; other builtins work from Lua."""
    run = run_lua(
        """
        tools.call("file_write", {path = "data/notes.txt", content = "alpha\\nbeta\\n"})
        print(tools.call("file_read", {path = "data/notes.txt"}).content == "alpha\\nbeta\\n")
        local found = tools.call("file_search", {path = "data", text = "BETA"})
        print(found.results[1].name, found.results[1].matches[1].line)
        print(pcall(tools.call, "file_read", {path = "main.lua"}))
        local rows = tools.call("csv_parse", {text = "n,v\\na,1\\nb,2\\n", infer_types = true})
        print(rows[2].n, rows[2].v, math.type(rows[2].v))
        print(tools.call("json_query", {data = {items = {{n = 1}, {n = 2}}}, query = "items[*].n"})[2])
        """,
        manifest=MANIFEST,
        files={"data/.keep": ""},
    )
    assert run.result.status == "ok", run.error
    lines = run.output.splitlines()
    assert lines[0] == "true"
    assert lines[1] == "notes.txt\t2"
    assert lines[2].startswith("false\ttool 'file_read' failed: ")
    assert "outside the allowed read roots" in lines[2]
    assert lines[3:] == ["b\t2\tinteger", "2"]


def test_a_tool_that_calls_tools(run_lua):
    """A spell tool may call other tools; spans nest."""
    run = run_lua(
        """
        tools.register("hyp", "Hypotenuse.", {type = "object", properties = {
          a = {type = "number"}, b = {type = "number"}}}, function(x)
            return tools.call("calculate", {expression = "sqrt(a*a + b*b)", variables = x})
        end)
        print(tools.call("hyp", {a = 3, b = 4}))
        """
    )
    assert run.result.status == "ok", run.error
    assert run.output == "5.0\n"
    starts = {r.data["name"]: r.data for r in run.sink.of_kind("span.start")}
    assert starts["execute_tool calculate"]["parent"] == starts["execute_tool hyp"]["id"]


def test_a_limit_inside_a_tool_ends_the_run(run_lua):
    """An endless loop in a spell tool hits the time limit; the run ends with a limit."""
    run = run_lua(
        """
        tools.register("spin", "Spins.", {}, function() while true do end end)
        pcall(tools.call, "spin")
        print("not reached")
        """,
        manifest="name: spin\nversion: 1.0.0\nengine: lua\nentry: main.lua\nlimits:\n  timeout: 0.5s\n",
    )
    assert run.result.status == "limit"
    assert run.output == ""
