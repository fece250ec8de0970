"""Inspecting a stopped spell over DAP: stack, scopes, variables, evaluate, setVariable."""

from __future__ import annotations

import pytest

NESTED = """
local config = {name = "x", deep = {list = {10, 20, 30}, inner = {leaf = true}}}
local count = 2
greeting = "hi"
local function show(prefix)
  local text = prefix .. config.name .. count
  return text
end
print(show("a"))
print(count, greeting, config.name, config.deep.inner.leaf)
"""


def _at(host, spell, source, line):
    dap = host().launch(spell(source), breakpoints=[line])
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.line() == line
    return dap


def test_stack_trace_names_frames_and_pages(host, spell):
    """stackTrace names functions innermost first, with their lines; startFrame/levels page."""
    dap = _at(host, spell, NESTED, 5)
    frames = dap.frames()
    assert [(f["name"], f["line"]) for f in frames] == [("show", 5), ("main chunk", 8)]
    assert frames[0]["source"]["path"] == dap.program
    assert frames[0]["source"]["name"] == "main.lua"
    page = dap("stackTrace", threadId=1, startFrame=1, levels=1)
    assert page["totalFrames"] == 2
    assert [f["name"] for f in page["stackFrames"]] == ["main chunk"]


def test_scopes_and_lazy_expansion_of_nested_tables(host, spell):
    """Locals, upvalues and globals; a table is expanded one level per variables request."""
    dap = _at(host, spell, NESTED, 5)
    scopes = dap("scopes", frameId=1)["scopes"]
    assert [s["name"] for s in scopes] == ["Locals", "Upvalues", "Globals"]
    assert dap.vars(scopes[0]["variablesReference"]) == {"prefix": '"a"'}
    upvalues = dap("variables", variablesReference=scopes[1]["variablesReference"])["variables"]
    by_name = {v["name"]: v for v in upvalues}
    assert set(by_name) == {"config", "count"}
    assert by_name["count"]["value"] == "2" and by_name["count"]["variablesReference"] == 0
    config = by_name["config"]
    assert config["type"] == "table" and config["variablesReference"] > 0
    level1 = {
        v["name"]: v
        for v in dap("variables", variablesReference=config["variablesReference"])["variables"]
    }
    assert level1["name"]["value"] == '"x"'
    deep = level1["deep"]
    level2 = {
        v["name"]: v
        for v in dap("variables", variablesReference=deep["variablesReference"])["variables"]
    }
    assert set(level2) == {"inner", "list"}
    assert dap.vars(level2["list"]["variablesReference"]) == {
        "[1]": "10",
        "[2]": "20",
        "[3]": "30",
    }
    assert dap.vars(level2["inner"]["variablesReference"]) == {"leaf": "true"}
    assert dap.vars(scopes[2]["variablesReference"])["greeting"] == '"hi"'
    # The caller's frame has its own locals.
    assert set(dap.locals(frame=2)) >= {"config", "count", "show"}


def test_evaluate_in_frames_and_contexts(host, spell):
    """evaluate reads locals, upvalues and globals of the frame asked, in every context."""
    dap = _at(host, spell, NESTED, 5)
    assert dap.evaluate("prefix .. count") == '"a2"'
    assert dap.evaluate("config.deep.list[2] * 2", "watch") == "40"
    assert dap.evaluate("greeting", "hover") == '"hi"'
    assert dap.evaluate("show ~= nil", "watch", frame=2) == "true"
    assert dap.evaluate("prefix", "watch", frame=2) == "nil"
    body = dap("evaluate", expression="config.deep", context="watch", frameId=1)
    assert body["type"] == "table" and body["variablesReference"] > 0
    assert set(dap.vars(body["variablesReference"])) == {"inner", "list"}
    assert "attempt" in dap.error("evaluate", expression="nothing.here", frameId=1, context="watch")


def test_repl_statements_assign_to_locals_upvalues_and_globals(host, spell):
    """In the repl, `x = 5` is a statement that writes back where `x` lives."""
    dap = _at(host, spell, NESTED, 5)
    dap.evaluate("prefix = 'b'")
    dap.evaluate("count = 7")
    dap.evaluate("greeting = 'yo'")
    dap.evaluate("newglobal = 1")
    assert dap.evaluate("prefix .. count .. greeting .. newglobal", "watch") == '"b7yo1"'
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "bx7\n7\tyo\tx\ttrue\n"


def test_set_variable_on_locals_upvalues_globals_and_table_fields(host, spell):
    """setVariable changes a local, an upvalue, a global and a nested field; the spell sees it."""
    dap = _at(host, spell, NESTED, 5)
    scopes = dap("scopes", frameId=1)["scopes"]
    locals_ref, upvalues_ref, globals_ref = (s["variablesReference"] for s in scopes)
    answer = dap("setVariable", variablesReference=locals_ref, name="prefix", value='"z"')
    assert answer["value"] == '"z"'
    dap("setVariable", variablesReference=upvalues_ref, name="count", value="40 + 2")
    dap("setVariable", variablesReference=globals_ref, name="greeting", value='"hey"')
    upvalues = dap("variables", variablesReference=upvalues_ref)["variables"]
    config_ref = next(v["variablesReference"] for v in upvalues if v["name"] == "config")
    dap("setVariable", variablesReference=config_ref, name="name", value='"N"')
    deep = next(
        v
        for v in dap("variables", variablesReference=config_ref)["variables"]
        if v["name"] == "deep"
    )
    inner_ref = next(
        v["variablesReference"]
        for v in dap("variables", variablesReference=deep["variablesReference"])["variables"]
        if v["name"] == "inner"
    )
    table = dap("setVariable", variablesReference=inner_ref, name="leaf", value="{1, 2}")
    assert table["type"] == "table" and table["variablesReference"] > 0
    assert dap.evaluate("prefix .. count", "watch") == '"z42"'
    assert "no variable" in dap.error(
        "setVariable", variablesReference=locals_ref, name="nope", value="1"
    )
    assert dap.error("setVariable", variablesReference=locals_ref, name="prefix", value="1 +")
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    lines = dap.stdout().splitlines()
    assert lines[0] == "zN42"
    assert lines[1].startswith("42\they\tN\ttable: ")


@pytest.mark.parametrize("context", ["watch", "hover", "repl"])
def test_evaluate_multiple_results_and_nil(host, spell, context):
    """An expression with several results shows them all; nil shows as nil."""
    dap = _at(host, spell, "local a, b = 1, nil\nprint(a, b)\n", 2)
    assert dap.evaluate("a, b, 'c'", context) == '1, nil, "c"'
    assert dap.evaluate("b", context) == "nil"


def test_variables_of_a_frame_inside_a_coroutine(host, spell):
    """Stopped inside a coroutine: the stack spans both threads and locals read correctly."""
    source = """
    local outer = "main"
    local co = coroutine.create(function(a)
      local inside = a * 2
      coroutine.yield(inside)
      return inside
    end)
    print(coroutine.resume(co, 21))
    """
    dap = _at(host, spell, source, 4)
    assert dap.where() == [("function <main.lua:2>", 4), ("main chunk", 7)]
    assert dap.locals() == {"a": "21", "inside": "42"}
    assert dap.evaluate("inside + 1", "watch") == "43"
    assert dap.locals(frame=2)["outer"] == '"main"'
    dap(
        "setVariable",
        variablesReference=dap("scopes", frameId=1)["scopes"][0]["variablesReference"],
        name="inside",
        value="5",
    )
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "true\t5\n"


def test_scopes_of_a_frame_that_does_not_exist_is_an_error(host, spell):
    """A frame id from no stackTrace gets an error response naming it, and the run goes on."""
    dap = _at(host, spell, NESTED, 5)
    assert "no frame 99" in dap.error("scopes", frameId=99)
    assert dap("scopes", frameId=2)["scopes"]
    dap.resume()
    assert dap.exit_code() == 0
