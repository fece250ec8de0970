"""Figures for the Tengo debugger over DAP (printed, never asserted): what the compiled-in
line checks cost fib(25) with a debugger attached and no breakpoint, and with a breakpoint in
another function (best of 5 each); pause latency on `for {}`."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.debug_overhead import best_figures, latency_summary, pause_latencies

FIB = """
fmt := import("fmt")
times := import("times")
other := func() {
  return 1
}
fib := func(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}
t := times.now()
fib(25)
fmt.println(times.since(t) / 1000000000.0)
"""


def test_tengo_line_hook_overhead(tmp_path: Path):
    program = tmp_path / "fib.tengo"
    program.write_text(FIB.lstrip("\n"))
    plain = best_figures(program, 5, no_debug=True)[0]
    attached = best_figures(program, 5, no_debug=False)[0]
    elsewhere = best_figures(program, 5, no_debug=False, breakpoint_line=4)[0]
    print(
        f"\nTengo fib(25): noDebug {plain:.3f} s, debugger without breakpoints {attached:.3f} s "
        f"({attached / plain:.2f}×), breakpoint in another function {elsewhere:.3f} s "
        f"({elsewhere / plain:.2f}×)"
    )


def test_tengo_pause_latency(tmp_path: Path):
    program = tmp_path / "spin.tengo"
    program.write_text('fmt := import("fmt")\nfmt.println("go")\nfor {}\n')
    print(f"\nTengo pause → stopped: {latency_summary(pause_latencies(program))}")
