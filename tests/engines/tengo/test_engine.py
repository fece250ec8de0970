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


def test_for_continue_runs_post_statement() -> None:
    src = "out := 0; for i := 0; i < 10; i++ { if i % 2 == 0 { continue }; out += i }"
    assert run_script(src)["out"] == 25


def test_for_in_closures_in_function_capture_each_iteration() -> None:
    src = """
    out := func() {
        fns := []
        for k, v in [10, 20, 30] { fns = append(fns, func() { return k + v }) }
        return [fns[0](), fns[1](), fns[2]()]
    }()
    """
    assert run_script(src)["out"] == [10, 21, 32]


def test_source_module_and_export_freezes_one_level() -> None:
    g = run_script(
        'm := import("m"); out := [m.x, is_immutable_map(m), is_array(m.arr)]',
        modules={"m": "export {x: 1 + 1, arr: [1, 2]}"},
        stdlib=False,
    )
    assert g["out"] == [2, True, True]


def test_error_inside_module_reports_module_file() -> None:
    with pytest.raises(TengoRuntimeError) as ei:
        run_script(
            'f := import("m")\nf()',
            "main.tengo",
            modules={"m": 'export func() {\n  return 1 + "x" - 1\n}'},
            stdlib=False,
        )
    assert [str(f) for f in ei.value.frames] == ["m:2:10", "main.tengo:2:1"]


def test_strings_are_utf8_bytes_for_len_and_slices() -> None:
    g = run_script('s := "héllo"; out := [len(s), s[1:3], string(s[1])]')
    assert g["out"] == [6, "é", "é"]


def test_immutable_values_reject_assignment() -> None:
    with pytest.raises(TengoRuntimeError, match="not index-assignable: immutable-array"):
        run_script("a := immutable([1, 2]); a[0] = 3")


def test_wrong_argument_count_message() -> None:
    with pytest.raises(TengoRuntimeError, match=r"want=2, got=1"):
        run_script("f := func(a, b) { return a }; f(1)")


def test_not_callable_message() -> None:
    with pytest.raises(TengoRuntimeError, match="not callable: string"):
        run_script('x := "s"; x()')


def test_os_policy_blocks_reads(tmp_path) -> None:
    class Policy:
        def allow_read(self, path: str) -> bool:
            return False

    p = tmp_path / "f.txt"
    p.write_text("secret")
    g = run_script(
        f'os := import("os"); out := os.read_file({str(p)!r})'.replace("'", '"'),
        os_policy=Policy(),
    )
    assert to_python(g["out"]).value.endswith("permission denied")


def test_append_in_place_keeps_array_value_semantics() -> None:
    src = """
    a := [1]; b := a; a = append(a, 2); c := [a]; a = append(a, 3)
    f := func() { a = append(a, 4, 5) }
    f()
    big := []
    for i := 0; i < 50000; i++ { big = append(big, i) }
    out := [b, c, a, len(big)]
    """
    assert run_script(src)["out"] == [[1], [[1, 2]], [1, 2, 3, 4, 5], 50000]


def test_string_concatenation_and_repetition() -> None:
    g = run_script('s := ""; x := "ab"; for i := 0; i < 3; i++ { s += x }; out := s + 1')
    assert g["out"] == "ababab1"
    with pytest.raises(TengoRuntimeError, match="invalid operation: string \\* int"):
        run_script('x := "ab"; y := x * 2')


def test_host_can_call_back_into_script_functions() -> None:
    saved = []
    script = compile_script(
        'h := import("h"); h.register(func(x) { return x * 2 }); h.register(func(x) { return x + "" })',
        modules={"h": {"register": lambda f: saved.append(f)}},
        stdlib=False,
    )
    script.run()
    assert script.call(saved[0], 21) == 42
    with pytest.raises(TengoRuntimeError, match="invalid operation: int \\+ string"):
        script.call(saved[1], 1)


def test_long_else_if_chains_compile() -> None:
    chain = "".join(f" else if x == {i} {{ return {i} }}" for i in range(1, 300))
    src = f"f := func(x) {{ if x == 0 {{ return 0 }}{chain} else {{ return -1 }} }}\n"
    src += "out := [f(0), f(150), f(299), f(1000)]"
    assert run_script(src)["out"] == [0, 150, 299, -1]


def test_deeply_nested_source() -> None:
    assert run_script("out := " + " + ".join(["1"] * 3000))["out"] == 3000
    with pytest.raises(TengoParseError, match="too deeply nested"):
        parse_source("out := " + "(" * 50000 + "1" + ")" * 50000)


def test_python_function_converts_values() -> None:
    from engines.tengo import python_function

    def merge(a: dict, b: dict) -> dict:
        return {**a, **b, "n": len(a) + len(b)}

    g = run_script(
        'h := import("h"); out := h.merge({x: 1}, {y: [1, 2]})',
        modules={"h": {"merge": python_function(merge)}},
        stdlib=False,
    )
    assert to_python(g["out"]) == {"x": 1, "y": [1, 2], "n": 2}


def test_cli_imports_files_next_to_script(tmp_path, capsys) -> None:
    (tmp_path / "lib.tengo").write_text("export { double: func(x) { return x * 2 } }\n")
    main_file = tmp_path / "main.tengo"
    main_file.write_text(
        '#!/usr/bin/env tengo\nfmt := import("fmt")\nfmt.println(import("./lib").double(21))\n'
    )
    assert main([str(main_file)]) == 0
    assert capsys.readouterr().out == "42\n"


def test_int64_wraparound_in_hot_code() -> None:
    src = (
        "f := func(a) { return [a + 1, a - 1, a * a, a + a, -a] }\n"
        "out := [f(9223372036854775807), f(-9223372036854775807 - 1), f(3), f(1.5)]"
    )
    assert run_script(src)["out"] == [
        [-9223372036854775808, 9223372036854775806, 1, -2, -9223372036854775807],
        [-9223372036854775807, 9223372036854775807, 0, 0, -9223372036854775808],
        [4, 2, 9, 6, -3],
        [2.5, 0.5, 2.25, 3.0, -1.5],
    ]


def test_format_floats_like_go() -> None:
    src = 'out := [format("%v", 100000000.0), format("%v", 123456.0), format("%v", 1e-5), format("%.2f", 3.14159), string(1e8)]'
    assert run_script(src)["out"] == ["1e+08", "123456", "1e-05", "3.14", "100000000"]


def test_times_format_with_go_layouts() -> None:
    src = """
    times := import("times")
    t := times.date(2024, 3, 7, 15, 4, 5, 120000000, "UTC")
    out := [
        times.time_format(t, "2006-01-02 15:04:05.000"),
        times.time_format(t, times.format_rfc3339),
        times.time_format(t, "Mon Jan _2 3:04PM"),
        times.time_string(t)
    ]
    """
    assert run_script(src)["out"] == [
        "2024-03-07 15:04:05.120",
        "2024-03-07T15:04:05Z",
        "Thu Mar  7 3:04PM",
        "2024-03-07 15:04:05.12 +0000 UTC",
    ]


def test_os_module_files_env_and_exit(tmp_path) -> None:
    from engines.tengo import TengoExit

    d = str(tmp_path).replace("\\", "/")
    src = f"""
    os := import("os")
    f := os.create("{d}/a.txt")
    n := f.write_string("hello")
    f.close()
    out := [n, string(os.read_file("{d}/a.txt")), os.stat("{d}/a.txt").size,
            is_error(os.read_file("{d}/missing")), os.setenv("TENGO_T", "v"), os.getenv("TENGO_T")]
    """
    assert run_script(src)["out"] == [5, "hello", 5, True, True, "v"]
    with pytest.raises(TengoExit) as ei:
        run_script('import("os").exit(3)')
    assert ei.value.code == 3


def test_compound_add_keeps_value_semantics() -> None:
    src = """
    a := [1]; b := a; x := 9223372036854775807; s := ""; t := ""
    for i := 0; i < 2; i++ { a += [i]; s += i }
    for i := 0; i < 1; i++ { x += 1 }
    for i := 0; i < 20000; i++ { t += "ab" }
    out := [a, b, x, s, len(t)]
    """
    assert run_script(src)["out"] == [[1, 0, 1], [1], -9223372036854775808, "01", 40000]


def test_line_hook_sees_else_if_lines() -> None:
    lines: list[int] = []
    src = "x := 2\nif x == 1 {\n  x = 10\n} else if x == 2 {\n  x = 20\n}\n"
    script = compile_script(src, line_hook=lambda f, n: lines.append(n))
    assert script.run()["x"] == 20
    assert lines == [1, 2, 4, 5]


def test_int64_range_check_boundaries_with_variable_operands() -> None:
    # a + b / a - b / a * b on variables inside a function (the inline fast
    # path with its two-stage range check), around the compact (2**30) and
    # int64 bounds, plus non-int results that must pass through unchanged
    src = """
    f := func(a, b) { return [a + b, a - b, a * b] }
    out := [
        f(1073741823, 1), f(-1073741823, -1), f(1073741824, -1),
        f(9223372036854775807, 0), f(9223372036854775807, 1),
        f(-9223372036854775807 - 1, -1), f(4294967296, 4294967296),
        f(1.5, 2), f(2, 0.5)
    ]
    s := func(a, b) { return a + b }("ab", "cd")
    l := func(a, b) { return a + b }([1], [2])
    """
    g = to_python(run_script(src))
    M = 1 << 63
    assert g["out"] == [
        [1073741824, 1073741822, 1073741823],
        [-1073741824, -1073741822, 1073741823],
        [1073741823, 1073741825, -1073741824],
        [M - 1, M - 1, 0],
        [-M, M - 2, M - 1],
        [M - 1, -M + 1, -M],
        [8589934592, 0, 0],
        [3.5, -0.5, 3.0],
        [2.5, 1.5, 1.0],
    ]
    assert g["s"] == "abcd" and g["l"] == [1, 2]


def test_comparison_flags_do_not_leak_between_functions() -> None:
    # `_t1` is a comparison result in main and an array element in `f`: the
    # element must still get Tengo truthiness (NaN is falsy upstream)
    src = """
    c := 1
    b := c < 2 || c > 3
    f := func(v) { if v[0] { return "yes" }; return "no" }
    out := f([0.0 / 0.0])
    """
    assert run_script(src)["out"] == "no"
