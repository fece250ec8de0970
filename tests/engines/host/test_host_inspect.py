"""Inspecting a stopped Lua spell over DAP: evaluate and repl statements in Lua (locals,
upvalues, globals), multiple results, a frame inside a coroutine, an unknown frame. The
stack, scopes and setVariable every engine shares are in test_host_engines_inspect.py."""

from __future__ import annotations

import pytest

from tests.engines.host.languages import LUA
from tests.engines.host.scenarios import stopped_at


def _at(host, spell, source, line):
    return stopped_at(host, spell(source), line)


def test_evaluate_in_frames_and_contexts(host, spell):
    """evaluate reads locals, upvalues and globals of the frame asked, in every context."""
    dap = _at(host, spell, LUA.nested, 5)
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
    dap = _at(host, spell, LUA.nested, 5)
    dap.evaluate("prefix = 'b'")
    dap.evaluate("count = 7")
    dap.evaluate("greeting = 'yo'")
    dap.evaluate("newglobal = 1")
    assert dap.evaluate("prefix .. count .. greeting .. newglobal", "watch") == '"b7yo1"'
    dap.set_breakpoints([])
    dap.resume()
    assert dap.exit_code() == 0
    assert dap.stdout() == "bx7\n7\tyo\tx\ttrue\n"


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
    dap = _at(host, spell, LUA.nested, 5)
    assert "no frame 99" in dap.error("scopes", frameId=99)
    assert dap("scopes", frameId=2)["scopes"]
    dap.resume()
    assert dap.exit_code() == 0
