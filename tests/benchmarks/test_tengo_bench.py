"""Tengo engine benchmarks: prints figures, asserts nothing about timing.

Run with ``.venv/bin/python -m pytest tests/benchmarks/test_tengo_bench.py -s``.
"""

from __future__ import annotations

import time

from engines.tengo import compile_script

FIB_TENGO = """
fib := func(x) {
    if x == 0 { return 0 } else if x == 1 { return 1 }
    return fib(x-1) + fib(x-2)
}
out := fib(N)
"""

FIB_TC_TENGO = """
fib := func(x, a, b) {
    if x == 0 { return a } else if x == 1 { return b }
    return fib(x-1, b, a+b)
}
out := 0
for i := 0; i < REPS; i++ { out = fib(N, 0, 1) }
"""


def fib_py(x: int) -> int:
    if x == 0:
        return 0
    if x == 1:
        return 1
    return fib_py(x - 1) + fib_py(x - 2)


def fib_tc_py(x: int, a: int, b: int) -> int:
    if x == 0:
        return a
    if x == 1:
        return b
    return fib_tc_py(x - 1, b, a + b)


def _time(fn, repeat: int = 1) -> float:
    """Best of ``repeat`` runs (the machine may be shared, so take the minimum)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _time_pair(fa, fb, repeat: int = 5) -> tuple[float, float]:
    """Best of ``repeat`` runs of each, alternating, so that load from other
    processes on a shared machine affects both sides alike."""
    ta = tb = float("inf")
    for _ in range(repeat):
        ta = min(ta, _time(fa))
        tb = min(tb, _time(fb))
    return ta, tb


def test_fib30() -> None:
    n = 30
    script = compile_script(FIB_TENGO.replace("N", str(n)))
    result: dict = {}
    t_tengo, t_py = _time_pair(lambda: result.update(script.run()), lambda: fib_py(n))
    assert result["out"] == 832040
    print(
        f"\nfib({n}) recursive: tengo {t_tengo:.3f}s  cpython {t_py:.3f}s  ratio {t_tengo / t_py:.2f}x"
    )


def test_fib_tail_call() -> None:
    n, reps = 35, 20000
    src = FIB_TC_TENGO.replace("REPS", str(reps)).replace("N", str(n))
    script = compile_script(src)
    result: dict = {}

    def py() -> None:
        for _ in range(reps):
            fib_tc_py(n, 0, 1)

    t_tengo, t_py = _time_pair(lambda: result.update(script.run()), py)
    assert result["out"] == fib_tc_py(n, 0, 1)
    print(
        f"\nfibTC({n}) x{reps}: tengo {t_tengo:.3f}s  cpython {t_py:.3f}s  ratio {t_tengo / t_py:.2f}x"
    )


def test_compile_2000_lines() -> None:
    lines = []
    for i in range(400):
        lines.append(f"v{i} := {i} + 1")
        lines.append(f"f{i} := func(a, b) {{ return a * b + v{i} }}")
        lines.append(f"if v{i} > 10 {{ v{i} = f{i}(v{i}, 2) }} else {{ v{i} -= 1 }}")
        lines.append(f'm{i} := {{a: [1, 2, v{i}], b: "s{i}"}}')
        lines.append(f'for k, v in m{i} {{ if k == "a" {{ v{i} += len(v) }} }}')
    src = "\n".join(lines)
    compile_script("x := 1")  # warm up imports
    t = _time(lambda: compile_script(src), 5)
    script = compile_script(src)
    t_run = _time(script.run)
    print(f"\nparse+compile of {len(lines)} lines: {t * 1000:.1f} ms (run {t_run * 1000:.1f} ms)")


MIXED_TENGO = """
words := []
for i := 0; i < 20000; i++ { words = append(words, "w" + string(i % 500)) }
counts := {}
for w in words { c := counts[w]; if c == undefined { c = 0 }; counts[w] = c + 1 }
arr := []
for i := 0; i < 20000; i++ { arr = append(arr, i * 7 % 1000) }
for i := 0; i < len(arr); i++ { arr[i] = arr[i] * 2 }
s := 0
for v in arr { if v % 3 == 0 { s += v } }
text := ""
for i := 0; i < 20000; i++ { text += "x" }
"""


def test_mixed_workload() -> None:
    """Arrays, maps, strings and loops: closer to what scripts do than fib."""
    script = compile_script(MIXED_TENGO)
    result: dict = {}
    t = _time(lambda: result.update(script.run()), 3)
    assert len(result["counts"]) == 500 and len(result["text"]) == 20000
    print(f"\nmixed workload (~120k loop iterations): {t * 1000:.1f} ms")
