"""Tengo as a spell engine: the API as Tengo modules, error values, output, limits, errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

from engines.api.declarations import API
from engines.runner import context_for, run_spell
from engines.spell.loader import load_spell
from engines.telemetry import ListSink


def run_tengo(
    tmp_path: Path, source: str, manifest: str | None = None, timeout: float | None = None
):
    folder = tmp_path / "spell"
    folder.mkdir(exist_ok=True)
    (folder / "main.tengo").write_text(textwrap.dedent(source))
    if manifest:
        (folder / "spell.yaml").write_text(textwrap.dedent(manifest))
        spell = load_spell(folder)
    else:
        spell = load_spell(folder / "main.tengo")
    sink = ListSink()
    result = run_spell(spell, context_for(spell, {}, [sink], timeout=timeout))
    output = "".join(r.data["text"] for r in sink.of_kind("output"))
    return result, output, sink


def test_every_declared_module_is_importable_with_its_functions(tmp_path):
    """Each API module imports in Tengo and has every declared function, in snake_case."""
    lines = ['fmt := import("fmt")']
    for module in API:
        lines.append(f'{module.name}_mod := import("{module.name}")')
        for fn in module.functions:
            lines.append(
                f'if type_name({module.name}_mod["{fn.name}"]) != "user-function" {{ fmt.println("missing {module.name}.{fn.name}") }}'
            )
    lines.append('fmt.println("all bound")')
    result, output, _ = run_tengo(tmp_path, "\n".join(lines))
    assert result.status == "ok", result.error
    assert output == "all bound\n"


def test_api_calls_state_events_and_records(tmp_path):
    """State, events with Tengo handlers, logs: values convert both ways; records are emitted."""
    result, output, sink = run_tengo(
        tmp_path,
        """\
        fmt := import("fmt")
        state := import("state")
        events := import("events")
        log := import("log")
        state.set("inventory", {apples: 3, pears: [1, 2]})
        fmt.println(state.get("inventory.apples"), state.get("inventory.pears"))
        events.subscribe("order.*", func(type, data) { fmt.println("got", type, data.qty) })
        events.publish("order.created", {qty: 4})
        total := state.update("n", func(old) { return (old == undefined ? 0 : old) + 5 })
        log.info("done", {total: total})
        """,
    )
    assert result.status == "ok", result.error
    assert output == "3 [1, 2]\ngot order.created 4\n"
    assert [r.data["op"] for r in sink.of_kind("state")] == ["set", "update"]
    assert sink.of_kind("log")[0].data["fields"] == {"total": 5}


def test_api_failures_are_error_values(tmp_path):
    """A bad API call returns an error value the spell can test with is_error."""
    result, output, _ = run_tengo(
        tmp_path,
        """\
        fmt := import("fmt")
        json := import("json")
        state := import("state")
        r := state.get(42)
        fmt.println(is_error(r), r.value)
        """,
    )
    assert result.status == "ok", result.error
    assert output == "true bad argument #1 'path' to 'state.get' (string expected, got number)\n"


def test_runtime_error_names_file_and_line(tmp_path):
    """A Tengo runtime error ends the run with the spell's file and line."""
    result, _, _ = run_tengo(tmp_path, 'a := 1\nb := [1, 2]\nc := b[5] + "x" / a\n')
    assert result.status == "error"
    assert result.error.file.endswith("main.tengo") and result.error.line == 3


def test_parse_error_is_a_syntax_error(tmp_path):
    """A parse error is reported before anything runs, with its line."""
    result, output, _ = run_tengo(tmp_path, 'fmt := import("fmt")\nfmt.println("x")\nx := := 2\n')
    assert result.error.kind == "syntax"
    assert result.error.line == 3
    assert output == ""


def test_infinite_loop_hits_the_time_limit(tmp_path):
    """for {} ends at the time limit with exit code 3."""
    result, _, _ = run_tengo(tmp_path, "x := 0\nfor { x += 1 }\n", timeout=0.5)
    assert result.status == "limit"
    assert result.error.limit == "timeout"


def test_deep_recursion_is_a_clean_error(tmp_path):
    """Runaway recursion ends cleanly, never with a crash."""
    result, _, _ = run_tengo(tmp_path, "f := func(n) { return f(n + 1) + 1 }\nf(0)\n")
    assert result.status in ("error", "limit")
    assert result.error.message


def test_os_module_follows_the_permissions(tmp_path):
    """os reads only what the manifest allows: an undeclared environment variable is refused."""
    result, output, _ = run_tengo(
        tmp_path,
        """\
        fmt := import("fmt")
        os := import("os")
        fmt.println(os.getenv("HOME") == "")
        """,
        manifest="name: t\nengine: tengo\nentry: main.tengo\n",
    )
    assert result.status == "ok", result.error
    assert output == "true\n"


def test_modules_from_the_spell_folder(tmp_path):
    """A spell imports NAME.tengo files from its own folder."""
    folder = tmp_path / "spell"
    folder.mkdir()
    (folder / "helpers.tengo").write_text("export { double: func(x) { return 2 * x } }\n")
    result, output, _ = run_tengo(
        tmp_path,
        'fmt := import("fmt")\nhelpers := import("helpers")\nfmt.println(helpers.double(21))\n',
    )
    assert result.status == "ok", result.error
    assert output == "42\n"


def test_keyword_named_functions_have_an_alias(tmp_path):
    """log.error is spelled log.err in Tengo, where `error` is a keyword."""
    result, _, sink = run_tengo(tmp_path, 'log := import("log")\nlog.err("bad", {code: 2})\n')
    assert result.status == "ok", result.error
    assert sink.of_kind("log")[0].data["level"] == "error"
