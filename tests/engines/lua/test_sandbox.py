"""The Lua sandbox: a spell sees only safe libraries and the API, and cannot reach out."""

from __future__ import annotations

import os

import pytest


@pytest.mark.parametrize(
    "name",
    ["io", "debug", "package", "dofile", "loadfile", "python", "os.execute", "os.exit",
     "os.remove", "os.getenv", "os.rename", "string.dump"],
)  # fmt: skip
def test_dangerous_globals_are_absent(run_lua, name):
    """Each dangerous library or function is nil inside the spell."""
    run = run_lua(f"print(tostring({name}))")
    assert run.result.status == "ok", run.error
    assert run.output == "nil\n"


def test_safe_libraries_are_present(run_lua):
    """string, table, math, utf8, coroutine and os.time/clock/date are available."""
    run = run_lua(
        """
        print(string.upper("a"), table.concat({1, 2}, ","), math.max(1, 5), utf8.char(72))
        print(type(coroutine.create), type(os.time()), type(os.clock()), type(os.date("%Y")))
        print(("x"):rep(3))
        """
    )
    assert run.output == "A\t1,2\t5\tH\nfunction\tnumber\tnumber\tstring\nxxx\n"


def test_binary_chunks_cannot_be_loaded(run_lua):
    """load() accepts text only, so crafted bytecode never runs."""
    run = run_lua(
        """
        local f, err = load("\\27Lua\\84\\0")
        print(f, err)
        """
    )
    assert run.output.startswith("nil\t")
    assert "binary chunk" in run.output


def test_load_runs_in_the_sandbox(run_lua):
    """Code loaded at run time sees the same sandbox, not the real globals."""
    run = run_lua('print(load("return io, debug, state ~= nil")())')
    assert run.output == "nil\tnil\ttrue\n"


def test_string_metatable_is_out_of_reach(run_lua):
    """getmetatable on a string hides the shared metatable (and string.dump with it)."""
    run = run_lua('print(getmetatable(""))')
    assert run.output == "false\n"


def test_collectgarbage_only_offers_harmless_options(run_lua):
    """collectgarbage("count") works; "stop" is refused with a clear error."""
    run = run_lua(
        """
        print(collectgarbage("count") > 0)
        print(pcall(collectgarbage, "stop"))
        """
    )
    assert run.output.splitlines()[0] == "true"
    assert "not allowed" in run.output.splitlines()[1]


def test_api_functions_expose_no_python_objects(run_lua):
    """API functions are Lua closures; their upvalues and attributes lead nowhere."""
    run = run_lua(
        """
        print(type(state.get), type(log.info))
        print(pcall(function() return state.get.__globals__ end))
        """
    )
    lines = run.output.splitlines()
    assert lines[0] == "function\tfunction"
    assert lines[1].startswith("false")


def test_require_loads_modules_from_the_spell_folder(run_lua):
    """require finds name.lua and name/init.lua under the spell folder, once each."""
    run = run_lua(
        """
        local util = require("lib.util")
        local again = require("lib.util")
        local pkg = require("pkg")
        print(util.double(21), util == again, pkg.name)
        """,
        files={
            "lib/util.lua": "print('loading util')\nreturn {double = function(x) return 2 * x end}",
            "pkg/init.lua": "return {name = 'pkg'}",
        },
    )
    assert run.result.status == "ok", run.error
    assert run.output == "loading util\n42\ttrue\tpkg\n"


@pytest.mark.parametrize("name", ["../secret", "/etc/passwd", "..", "a/b", "x..y", ""])
def test_require_refuses_names_outside_the_folder(run_lua, name):
    """Module names that could leave the spell folder are refused."""
    run = run_lua(f"print(pcall(require, {name!r}))")
    assert run.output.startswith("false\trequire: bad module name")


def test_require_does_not_follow_symlinks_out_of_the_folder(run_lua, tmp_path):
    """A symlink inside the spell folder pointing outside it is not loaded."""
    outside = tmp_path / "outside.lua"
    outside.write_text("return 'escaped'")
    folder = tmp_path / "spell"
    folder.mkdir()
    os.symlink(outside, folder / "evil.lua")
    run = run_lua('print(pcall(require, "evil"))')
    assert run.output.startswith("false\trequire: module 'evil' not found")


def test_require_of_a_missing_module_names_the_call_site(run_lua):
    """An uncaught failed require is a spell error at the line of the require."""
    run = run_lua('\n\nlocal m = require("nothing")\n')
    assert run.result.status == "error"
    assert run.error.line == 3
    assert "module 'nothing' not found" in run.error.message
