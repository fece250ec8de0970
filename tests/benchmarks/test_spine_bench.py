"""Figures for the runtime spine (printed, never asserted): engine start, whole-process run,
and the cost of one Lua -> Python API call."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from engines.api.services import Services
from engines.lua.adapter import LuaEngine
from engines.runner import context_for
from engines.spell.loader import load_spell

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "resources" / "spellbook" / "hello"


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _new_engine() -> tuple[LuaEngine, Services]:
    spell = load_spell(HELLO)
    services = Services(context_for(spell, {"name": "x", "times": 1, "style": "plain"}, []))
    return LuaEngine(services), services


def test_engine_creation_time_and_memory():
    """Lua engine with its sandbox and the whole API, inside a running Python (≤ 10 ms, ≤ 10 MB)."""
    _new_engine()  # warm imports
    times = []
    for _ in range(30):
        start = time.perf_counter()
        engine, services = _new_engine()
        times.append(time.perf_counter() - start)
        engine.close()
        services.close()
    kept = []
    before = _rss_kib()
    for _ in range(20):
        kept.append(_new_engine())
    per_engine = (_rss_kib() - before) / 20
    print(
        f"\nLua engine creation: median {statistics.median(times) * 1000:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms; memory {per_engine / 1024:.2f} MB per engine (RSS)"
    )


def test_whole_process_hello_run(tmp_path):
    """`llmspell run resources/spellbook/hello` as a whole process (≤ 0.5 s)."""
    env = dict(os.environ, LLMSPELL_HOME=str(tmp_path))
    command = [str(Path(sys.executable).parent / "llmspell"), "run", "-q", str(HELLO)]
    subprocess.run(command, env=env, check=True, capture_output=True)  # warm caches
    times = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print(
        f"\nllmspell run hello (whole process): median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )


def test_lua_to_python_api_call():
    """One Lua -> Python API call, state.get (≤ 5 µs)."""
    engine, services = _new_engine()
    services.state.set("a.b", 1)
    calls = 200_000
    loop = engine.runtime.eval(
        "function(env, n) local get = env.state.get for i = 1, n do get('a.b') end end"
    )
    empty = engine.runtime.eval(
        "function(env, n) local f = function() end for i = 1, n do f('a.b') end end"
    )
    env = engine._engine.env
    start = time.perf_counter()
    empty(env, calls)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    loop(env, calls)
    elapsed = time.perf_counter() - start
    print(
        f"\nstate.get from Lua: {(elapsed - baseline) / calls * 1e6:.2f} µs per call "
        f"({elapsed / calls * 1e6:.2f} µs including the Lua loop)"
    )
