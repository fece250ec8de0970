"""Unit tests for the Tengo engine beyond the upstream corpus: API, host
modules, closures in loops, error frames, CLI."""

from __future__ import annotations

import pytest

from engines.tengo import (
    TengoCompileError,
    TengoParseError,
    TengoRuntimeError,
    compile_script,
    from_python,
    parse_source,
    run_script,
    to_python,
)
from engines.tengo.cli import main


def test_semicolon_insertion_and_ast_string() -> None:
    tree = parse_source("a := 1\nb := a +\n 2")
    assert str(tree) == "a := 1; b := (a + 2)"


def test_parse_error_format() -> None:
    with pytest.raises(TengoParseError) as ei:
        parse_source("a := (1", "x.tengo")
    assert str(ei.value).startswith("Parse Error: ")
    assert "\n\tat x.tengo:1:" in str(ei.value)


def test_compile_error_position() -> None:
    with pytest.raises(TengoCompileError) as ei:
        compile_script("a := 1\nb = 2", "m")
    assert str(ei.value) == "Compile Error: unresolved reference 'b'\n\tat m:2:1"


def test_runtime_error_frames() -> None:
    src = 'f := func(x) {\n  return x + "s" - 1\n}\nf(1)'
    with pytest.raises(TengoRuntimeError) as ei:
        run_script(src, "t")
    assert ei.value.message == "invalid operation: int + string"
    assert [str(f) for f in ei.value.frames] == ["t:2:10", "t:4:1"]


def test_closures_capture_fresh_loop_variables() -> None:
    src = """
    fns := []
    func() {
        for i := 0; i < 3; i++ {
            x := i * 10
            fns = append(fns, func() { return x })
        }
    }()
    out := [fns[0](), fns[1](), fns[2]()]
    """
    assert run_script(src)["out"] == [0, 10, 20]


def test_int64_wraparound_and_division() -> None:
    g = run_script("a := 9223372036854775807 + 1; b := -7 / 2; c := -7 % 2")
    assert (g["a"], g["b"], g["c"]) == (-9223372036854775808, -3, -1)


def test_host_module_and_conversion() -> None:
    calls = []

    def record(*args):
        calls.append(to_python(list(args)))
        return from_python({"ok": True, "n": len(args)})

    g = run_script(
        'h := import("host"); r := h.record(1, "a", [2.5]); out := r.n',
        modules={"host": {"record": record, "version": "1.0"}},
        stdlib=False,
    )
    assert g["out"] == 3
    assert calls == [[1, "a", [2.5]]]


def test_module_not_found_without_stdlib() -> None:
    with pytest.raises(TengoCompileError, match="module 'fmt' not found"):
        compile_script('import("fmt")', stdlib=False)


def test_deep_recursion_is_a_clean_error() -> None:
    with pytest.raises(TengoRuntimeError, match="stack overflow"):
        run_script("f := func(n) { return f(n + 1) + 1 }; f(0)")


def test_line_hook() -> None:
    lines: list[int] = []
    compile_script("a := 1\nb := 2\n", line_hook=lambda f, n: lines.append(n)).run()
    assert lines == [1, 2]


def test_cli(tmp_path, capsys) -> None:
    p = tmp_path / "s.tengo"
    p.write_text('fmt := import("fmt")\nfmt.println("hi", 1)\nx := [1][5]\na := []\na[2] = 1\n')
    assert main([str(p)]) == 1
    out, err = capsys.readouterr()
    assert out == "hi 1\n"
    assert err == "Runtime Error: index out of bounds\n\tat s.tengo:5:1\n"
