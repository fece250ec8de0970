"""JavaScript engine benchmarks: prints figures, asserts nothing about timing.

Run with ``.venv/bin/python -m pytest tests/benchmarks/test_js_bench.py -s``.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from engines.api.services import Services
from engines.runner import context_for
from engines.spell.loader import load_spell
from tests.benchmarks.debug_overhead import best_figures


def _services(tmp_path: Path) -> Services:
    (tmp_path / "main.js").write_text("")
    return Services(context_for(load_spell(tmp_path / "main.js"), {}, []))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_engine_creation(tmp_path: Path) -> None:
    """First engine (loads V8), then the cost of each further engine, and peak memory."""
    rss_before = _rss_mib()
    started = time.perf_counter()
    from engines.javascript.adapter import JavaScriptEngine

    imported = time.perf_counter() - started
    services = _services(tmp_path)
    started = time.perf_counter()
    first = JavaScriptEngine(services)
    first_created = time.perf_counter() - started
    first.close()
    times = []
    for _ in range(10):
        started = time.perf_counter()
        engine = JavaScriptEngine(services)
        times.append(time.perf_counter() - started)
        engine.close()
    services.close()
    print(
        f"\njs import {imported * 1e3:.0f} ms; first engine {first_created * 1e3:.0f} ms; "
        f"next engines {min(times) * 1e3:.1f}-{max(times) * 1e3:.1f} ms; "
        f"peak RSS {rss_before:.0f} -> {_rss_mib():.0f} MiB"
    )


def _per_call(tmp_path: Path, body: str, n: int) -> float:
    from engines.javascript.adapter import JavaScriptEngine

    services = _services(tmp_path)
    engine = JavaScriptEngine(services)
    source = f"const n = {n}; const t0 = util.now(); for (let i = 0; i < n; i++) {{ {body} }}"
    started = time.perf_counter()
    engine.run(source, "main.js")
    elapsed = time.perf_counter() - started
    engine.close()
    services.close()
    return elapsed / n


def test_api_call_cost(tmp_path: Path) -> None:
    """The cost of one API call from JavaScript, a callback round trip, and print."""
    n = 5000
    figures = {
        "metrics.get (no-op-ish call)": _per_call(tmp_path, 'metrics.get("x");', n),
        "state.set (SQLite)": _per_call(tmp_path, 'state.set("k", i);', n),
        "state.update with a JS callback": _per_call(
            tmp_path, 'state.update("k", (o) => (o || 0) + 1);', n
        ),
        "print": _per_call(tmp_path, "print(i);", n),
    }
    print()
    for name, seconds in figures.items():
        print(f"js {name}: {seconds * 1e6:.0f} µs per call")


def test_pure_javascript_speed(tmp_path: Path) -> None:
    """fib(30) in V8 inside the sandbox (no API calls), for comparison with Lua and Tengo."""
    from engines.javascript.adapter import JavaScriptEngine

    services = _services(tmp_path)
    engine = JavaScriptEngine(services)
    started = time.perf_counter()
    engine.run(
        "function fib(x) { return x < 2 ? x : fib(x - 1) + fib(x - 2); } fib(30);", "main.js"
    )
    elapsed = time.perf_counter() - started
    engine.close()
    services.close()
    print(f"\njs fib(30): {elapsed * 1e3:.0f} ms")


DEBUG_BENCH = """
function other() {
  return 1
}
function fib(n) {
  if (n < 2) return n
  return fib(n - 1) + fib(n - 2)
}
function loop(n) {
  let s = 0
  for (let i = 0; i < n; i++) {
    s += i % 7
  }
  return s
}
let t = Date.now()
fib(27)
const fibMs = Date.now() - t
t = Date.now()
loop(3000000)
print(fibMs, Date.now() - t)
"""


def test_debugger_overhead(tmp_path: Path) -> None:
    """fib(27) (~300 000 calls) and a 3-million-iteration loop with no debugger, and with a
    debugger and a breakpoint in another function (every statement hooked, filtered in
    JavaScript). Best of 3 each, timed inside the spell. V8 compiles both to a few ns per
    call or iteration, so the hooks weigh far more here than Lua's do on Lua's interpreter."""

    program = tmp_path / "main.js"
    program.write_text(DEBUG_BENCH.lstrip("\n"))
    # [fib(27) ms, loop ms], measured inside the spell, through a real host over DAP.
    plain = best_figures(program, 3, no_debug=True)
    debugged = best_figures(program, 3, no_debug=False, breakpoint_line=2)
    print(
        f"\njs fib(27): noDebug {plain[0]:.0f} ms, breakpoint in another function "
        f"{debugged[0]:.0f} ms ({debugged[0] / max(plain[0], 1):.1f}×); "
        f"loop of 3e6: noDebug {plain[1]:.0f} ms, breakpoint elsewhere {debugged[1]:.0f} ms "
        f"({debugged[1] / max(plain[1], 1):.1f}×)"
    )
