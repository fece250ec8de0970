"""Int specialisation of self-recursive functions (engines/tengo/specialize.py).

Each program runs twice: as compiled normally (specialised where it
qualifies) and with a line hook, which turns specialisation off.  Results and
error texts (message and every frame) must be the same, and must be upstream's
where the expected value is written out.
"""

from __future__ import annotations

import pytest

from engines.tengo import TengoError, compile_script

MIN = -(1 << 63)
MAX = (1 << 63) - 1


def _run(src: str, hook: bool) -> tuple[str, object]:
    script = compile_script(src, "t", line_hook=(lambda f, line: None) if hook else None)
    try:
        return "ok", script.run().get("out")
    except TengoError as e:
        return "error", str(e)


def _both(src: str) -> tuple[str, object]:
    fast, ref = _run(src, False), _run(src, True)
    assert fast == ref
    return fast


def _specialised(src: str) -> bool:
    return "def _f1s(" in compile_script(src).unit.source


FIB = """
fib := func(x) {
    if x == 0 { return 0 } else if x == 1 { return 1 }
    return fib(x-1) + fib(x-2)
}
"""


def test_fib_is_specialised_and_right() -> None:
    assert _specialised(FIB)
    assert _both(FIB + "out := fib(20)") == ("ok", 6765)


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("1.0", ("ok", 1.0)),  # floats take the generic body
        ("2.0", ("ok", 1.0)),
        (
            '"a"',
            ("error", "Runtime Error: invalid operation: string - int\n\tat t:4:16\n\tat t:6:8"),
        ),
    ],
)
def test_non_int_arguments_use_the_generic_body(arg: str, expected: tuple) -> None:
    assert _both(FIB + f"out := fib({arg})") == expected


def test_int64_wraparound_in_the_specialised_body() -> None:
    src = """
    sum := func(n, acc) {
        if n == 0 { return acc }
        return sum(n - 1, acc + 4611686018427387904)
    }
    down := func(x, n) {
        if n == 0 { return x }
        return down(x - 1, n - 1)
    }
    up := func(x, n) {
        if n == 0 { return x }
        return up(x + 1, n - 1)
    }
    mul := func(x, n) {
        if n == 0 { return x }
        return mul(x * 3, n - 1)
    }
    out := [sum(3, 0), down(%d, 2), up(%d, 2), mul(3, 45), sum(-3, 0) == sum(-3, 0)]
    """
    src = src.replace("%d", str(MIN + 1), 1).replace("%d", str(MAX - 1), 1)
    assert _specialised(src)
    mul = 3**46 % (1 << 64)
    mul = mul - (1 << 64) if mul > MAX else mul
    status, out = _both(src.replace("sum(-3, 0) == sum(-3, 0)", "0"))
    assert status == "ok"
    assert out == [-(1 << 62), MAX, MIN, mul, 0]


def test_error_positions_of_calls_sharing_a_line() -> None:
    src = """
    f := func(x) {
        if x == 0 { return 0 }
        if x == 1 { return 1 / (x - 1) }
        return f(x - 1) + f(x - 2)
    }
    out := f(3)
    """
    status, text = _both(src)
    assert status == "error"
    assert text == (
        "Runtime Error: division by zero\n\tat t:4:28\n\tat t:5:16\n\tat t:5:16\n\tat t:7:12"
    )
    # the second call of the line fails (f(2) -> f(1) by the left call, f(0) is fine)
    src2 = src.replace("return 1 / (x - 1)", "return 1").replace(
        "if x == 0 { return 0 }", "if x == 0 { return 1 / x }"
    )
    status, text = _both(src2)
    assert (
        text
        == "Runtime Error: division by zero\n\tat t:3:28\n\tat t:5:27\n\tat t:5:16\n\tat t:7:12"
    )


def test_stack_overflow_is_reported_alike() -> None:
    src = FIB.replace("x == 0", "x == -1") + "out := fib(-2)"
    status, text = _both(src)
    assert status == "error" and str(text).startswith("Runtime Error: stack overflow")


def test_reassigned_name_is_not_specialised() -> None:
    src = """
    f := func(x) { if x == 0 { return 0 }; return 1 + f(x - 1) }
    g := f
    f = func(x) { return 100 }
    out := g(5)
    """
    assert not _specialised(src)
    assert _both(src) == ("ok", 101)


def test_non_int_returns_and_other_parameters() -> None:
    src = """
    f := func(n, s) {
        if n == 0 { return s }
        return f(n - 1, s + "x")
    }
    g := func(n, acc) {
        if n <= 0 { return acc }
        acc = append(acc, n)
        return g(n - 2, acc)
    }
    h := func(n) {
        if n < 1 { return }
        return h(n - 1)
    }
    out := [f(3, "s"), g(5, []), h(4)]
    """
    assert _specialised(src)
    assert _both(src) == ("ok", ["sxxx", [5, 3, 1], None])
    status, text = _both(src.replace("h(4)]", "h(4), f(2, 1)]"))
    assert text == "Runtime Error: invalid operation: int + string\n\tat t:4:25\n\tat t:15:40"


def test_conditions_and_comparisons_in_the_specialised_body() -> None:
    src = """
    collatz := func(n, steps) {
        if n == 1 { return steps }
        if n % 2 == 0 { return collatz(n / 2, steps + 1) }
        return collatz(3 * n + 1, steps + 1)
    }
    gcd := func(a, b) { return b == 0 ? a : gcd(b, a % b) }
    ack := func(m, n) {
        if m == 0 { return n + 1 }
        if n == 0 { return ack(m - 1, 1) }
        return ack(m - 1, ack(m, n - 1))
    }
    bits := func(x, acc) { return x == 0 ? acc : bits(x >> 1, acc + (x & 1)) }
    out := [collatz(27, 0), gcd(1071, 462), gcd(-12, 18), ack(2, 3), bits(255, 0), -7 / 2, -7 % 2]
    """
    assert _specialised(src)
    assert _both(src) == ("ok", [111, 21, 6, 9, 8, -3, -1])


def test_captured_outer_variables_and_module_functions() -> None:
    src = """
    base := 10
    count := 0
    f := func(x) {
        count += 1
        if x == 0 { return base }
        return f(x - 1) + 1
    }
    out := [f(5), count]
    """
    assert _specialised(src)
    assert _both(src) == ("ok", [15, 6])
    modsrc = (
        "export func(n) { fact := func(x) { return x <= 1 ? 1 : x * fact(x - 1) }; return fact(n) }"
    )
    script = compile_script('out := import("m")(20)', modules={"m": modsrc})
    assert script.run()["out"] == 2432902008176640000


def _wrap64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v > MAX else v


def test_deferred_wrap_of_returned_sums() -> None:
    src = f"""
    g := func(n) {{
        if n == 0 {{ return {MAX} }}
        return g(n - 1) + g(n - 1)
    }}
    d := func(n) {{
        if n == 0 {{ return {MIN + 1} - 1 }}
        return (d(n - 1)) - 1
    }}
    t := func(n, acc) {{
        if n == 0 {{ return acc }}
        return t(n - 1, acc + {MAX})
    }}
    l := func(n, x) {{
        if n == 0 {{ return x }}
        return l(n - 1, x) + x
    }}
    out := [g(1), g(5), l(3000, {MAX}), d(3), t(5, 0), g(3) < 0, string(g(2))]
    """
    assert "_t0 = _f1s(" in compile_script(src).unit.source  # wrapped at the entry
    expected = [
        _wrap64(2 * MAX),
        _wrap64(32 * MAX),
        _wrap64(3001 * MAX),
        _wrap64(MIN - 3),
        _wrap64(5 * MAX),
        _wrap64(8 * MAX) < 0,
        str(_wrap64(4 * MAX)),
    ]
    assert _both(src) == ("ok", expected)
    # a self-call result used elsewhere than a returned sum is wrapped at once
    src2 = f"""
    h := func(n) {{
        if n == 0 {{ return {MAX} }}
        x := h(n - 1)
        if x < 0 {{ return x }}
        return h(n - 1) + h(n - 1)
    }}
    out := h(3)
    """
    assert _both(src2) == ("ok", _wrap64(2 * MAX))


@pytest.mark.parametrize(
    "body",
    [
        # the accumulator is compared: it must hold wrapped values
        "if acc > 5 { return acc }; if n == 0 { return acc }; return f(n - 1, acc + BIG)",
        # a self-call with a string where an int is expected: no deferred wraps
        'if n == 0 { return acc }; if n == 1 { return f("x", acc + 1) }; return f(n - 1, acc + BIG)',
        # a self-call result inside an argument
        "if n <= 0 { return acc }; return f(n - 1, f(n - 2, acc) + acc + BIG)",
        # products are always wrapped at once
        "if n == 0 { return acc }; return f(n - 1, acc * 3 + BIG) * 5",
        # a sum used in a condition, then returned
        "if n == 0 { return acc }; s := f(n - 1, acc + BIG) + acc; if s > 0 { return s - 1 }; return s",
        # the accumulator reaches a builtin
        "if n == 0 { return string(acc) }; return f(n - 1, acc + BIG)",
    ],
)
def test_deferred_wraps_only_where_unobservable(body: str) -> None:
    src = f"f := func(n, acc) {{ {body} }}\nout := [f(6, 1), f(12, -3)]".replace("BIG", str(MAX))
    status, out = _both(src)
    assert status in ("ok", "error")
