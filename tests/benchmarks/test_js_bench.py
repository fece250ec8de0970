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
