"""Errors in spells become SpellErrors with file, line and traceback; API errors are catchable."""

from __future__ import annotations


def test_syntax_error_names_file_and_line(run_lua):
    """A syntax error is reported with its line, before anything runs."""
    run = run_lua("print('before')\nlocal x = = 1\n")
    assert run.result.status == "error"
    assert run.result.exit_code == 1
    assert run.error.kind == "syntax"
    assert run.error.file.endswith("main.lua")
    assert run.error.line == 2
    assert run.output == ""


def test_runtime_error_has_line_and_traceback(run_lua):
    """A runtime error carries the failing line and a Lua traceback through the functions."""
    run = run_lua(
        """\
        local function inner() local t = nil; return t.x end
        local function outer() return inner() end
        outer()
        """
    )
    assert run.error.line == 1
    assert "attempt to index a nil value" in run.error.message
    assert "main.lua:3: in main chunk" in run.error.traceback


def test_error_in_a_required_module_points_into_that_module(run_lua):
    """An error raised in lib/m.lua is reported at lib/m.lua's line."""
    run = run_lua(
        'local m = require("lib.m")\nm.fail()\n',
        files={"lib/m.lua": "return {fail = function()\n  error('in module')\nend}"},
    )
    assert run.error.file.endswith("lib/m.lua")
    assert run.error.line == 2


def test_api_errors_are_catchable_with_pcall(run_lua):
    """A bad API call raises a Lua error a spell can catch, with a readable message."""
    run = run_lua(
        """
        local ok, err = pcall(state.set, 42, "x")
        print(ok, err)
        """
    )
    assert run.result.status == "ok"
    assert (
        run.output == "false\tbad argument #1 'path' to 'state.set' (string expected, got number)\n"
    )


def test_uncaught_api_error_points_at_the_calling_line(run_lua):
    """An uncaught API error is located at the spell line that made the call."""
    run = run_lua("local a = 1\nlocal v = json.decode('{bad')\n")
    assert run.error.line == 2
    assert "invalid JSON" in run.error.message


def test_errors_from_lua_callbacks_pass_through_unchanged(run_lua):
    """An error raised in an event handler reaches the publisher with the handler's line."""
    run = run_lua(
        """\
        events.subscribe("x", function() error("handler failed") end)
        local ok, err = pcall(events.publish, "x", {})
        print(ok, err)
        """
    )
    assert run.output == "false\tmain.lua:1: handler failed\n"


def test_error_with_a_table_value_is_reported(run_lua):
    """error({...}) with a non-string value still ends the run with an error."""
    run = run_lua("error({code = 42})")
    assert run.result.status == "error"
    assert run.error.message == "(error object is not a string)"


def test_print_becomes_output_records(run_lua):
    """print joins its arguments with tabs into one output record per call; nothing hits stdout."""
    run = run_lua('print("a", 1, nil, true, 2.5)\nprint()\nprint("\\255bad")')
    texts = [r.data["text"] for r in run.sink.of_kind("output")]
    assert texts == ["a\t1\tnil\ttrue\t2.5\n", "\n", "\\xFFbad\n"]


def test_records_are_stamped_in_order(run_lua):
    """Every record carries the run id and a strictly increasing sequence number."""
    run = run_lua('log.info("one") state.set("k", 1) print("two")')
    records = run.sink.records
    assert [r.kind for r in records] == ["run.start", "log", "state", "output", "run.end"]
    assert all(r.run == run.result.run_id for r in records)
    assert [r.seq for r in records] == list(range(1, len(records) + 1))


def test_shebang_line_is_skipped_and_lines_still_count(run_lua):
    """A spell may start with #!; errors still name the right line."""
    run = run_lua("#!/usr/bin/env llmspell\nprint('ok')\nerror('here')\n")
    assert run.output == "ok\n"
    assert run.error.line == 3
