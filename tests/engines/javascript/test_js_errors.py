"""JavaScript errors become SpellErrors with file, line and stack; API errors are catchable."""

from __future__ import annotations


def test_syntax_error_names_file_and_line(run_js):
    """A syntax error is reported with its line, before anything runs."""
    run = run_js("print('before');\nlet x = = 1;\n")
    assert run.result.status == "error"
    assert run.result.exit_code == 1
    assert run.error.kind == "syntax"
    assert run.error.file.endswith("main.js")
    assert run.error.line == 2
    assert "SyntaxError" in run.error.message
    assert run.output == ""


def test_runtime_error_has_line_and_stack(run_js):
    """A runtime error carries the failing line and a V8 stack through the functions."""
    run = run_js(
        """\
        function inner() { const t = null; return t.x; }
        function outer() { return inner(); }
        outer();
        """
    )
    assert run.error.line == 1
    assert "Cannot read properties of null" in run.error.message
    assert run.error.message.startswith("TypeError: ")
    assert "at outer (main.js:2:" in run.error.traceback
    assert "[prelude]" not in run.error.traceback


def test_thrown_error_message_is_kept(run_js):
    """throw new Error("broken") ends the run with "broken" at that line."""
    run = run_js("\n\nthrow new Error('broken');\n")
    assert run.error.message == "broken"
    assert run.error.line == 3


def test_api_errors_are_catchable(run_js):
    """A bad API call throws an Error the spell can catch, with the same words as Lua."""
    run = run_js(
        """
        try { state.set(42, "x"); } catch (e) { print(e instanceof Error, e.message); }
        try { state.get(5); } catch (e) { print(e.message); }
        """
    )
    assert run.result.status == "ok"
    assert run.output.splitlines() == [
        "true\tbad argument #1 'path' to 'state.set' (string expected, got number)",
        "bad argument #1 'path' to 'state.get' (string expected, got number)",
    ]


def test_api_errors_are_catchable_with_await(run_js):
    """try { await state.get(5) } catch (e) {...} works as Node users write it."""
    run = run_js("try { await state.get(5); } catch (e) { print(e.message); }")
    assert run.output == "bad argument #1 'path' to 'state.get' (string expected, got number)\n"


def test_uncaught_api_error_points_at_the_calling_line(run_js):
    """An uncaught API error is located at the spell line that made the call."""
    run = run_js("const a = 1;\nconst v = json.decode('{bad');\n")
    assert run.error.line == 2
    assert "invalid JSON" in run.error.message


def test_errors_from_callbacks_pass_through_unchanged(run_js):
    """An error thrown in an event handler reaches the publisher as the same object."""
    run = run_js(
        """\
        events.subscribe("x", () => { throw new RangeError("handler failed"); });
        try { events.publish("x", {}); } catch (e) { print(e instanceof RangeError, e.message); }
        events.publish("x", {});
        """
    )
    assert run.output == "true\thandler failed\n"
    assert run.error.line == 1
    assert run.error.message == "RangeError: handler failed"


def test_non_error_values_thrown_are_reported(run_js):
    """throw {code: 42} still ends the run with an error that shows the value."""
    run = run_js("throw {code: 42};")
    assert run.result.status == "error"
    assert run.error.message == '{"code":42}'


def test_conversion_errors_name_the_call(run_js):
    """Passing a cyclic object or a Symbol to the API is a catchable error naming the call."""
    run = run_js(
        """
        const t = {}; t.self = t;
        try { state.set("k", t); } catch (e) { print(e.message); }
        try { state.set("k", Symbol("s")); } catch (e) { print(e.message); }
        """
    )
    assert run.output.splitlines() == [
        "state.set: value contains a cycle (an object that contains itself)",
        "state.set: a symbol cannot be passed to the API",
    ]


def test_print_becomes_output_records(run_js):
    """print joins its arguments with tabs into one output record per call."""
    run = run_js('print("a", 1, null, undefined, true, 2.5, [1], {k: "v"});\nprint();')
    texts = [r.data["text"] for r in run.sink.of_kind("output")]
    assert texts == ['a\t1\tnull\tundefined\ttrue\t2.5\t[1]\t{"k":"v"}\n', "\n"]


def test_write_has_no_separator_and_no_newline(run_js):
    """write() is print without tabs and newline, for streamed text."""
    run = run_js('write("a", 1); write("b\\n");')
    assert [r.data["text"] for r in run.sink.of_kind("output")] == ["a1", "b\n"]


def test_lone_surrogates_are_printed_escaped(run_js):
    """A JavaScript string may hold a lone surrogate; output shows it escaped."""
    run = run_js('print("a\\uD800b");')
    assert run.output == "a\\ud800b\n"


def test_records_are_stamped_in_order(run_js):
    """Every record carries the run id and a strictly increasing sequence number."""
    run = run_js('log.info("one"); state.set("k", 1); print("two");')
    records = run.sink.records
    assert [r.kind for r in records] == ["run.start", "log", "state", "output", "run.end"]
    assert all(r.run == run.result.run_id for r in records)
    assert [r.seq for r in records] == list(range(1, len(records) + 1))


def test_shebang_line_is_skipped_and_lines_still_count(run_js):
    """A spell may start with #!; errors still name the right line."""
    run = run_js("#!/usr/bin/env llmspell\nprint('ok');\nthrow new Error('here');\n")
    assert run.output == "ok\n"
    assert run.error.line == 3


def test_run_stop_hooks_written_in_javascript_run(run_js):
    """A run_stop hook registered by the spell runs after the main program, with its status."""
    run = run_js('hooks.register("run_stop", (p) => { print("stopping", p.status); });')
    assert run.result.status == "ok", run.error
    assert run.output == "stopping\tok\n"
