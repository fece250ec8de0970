"""The debugger-overhead harness the engine benchmarks share: a spell run through a real
engine host over DAP (noDebug, or under the debugger with one breakpoint somewhere its hot
code never reaches), timed by the spell itself, which prints its figures on one line; and
pause → stopped latencies on a spell that spins. Figures only: nothing here asserts time.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from engines.host.client import HostClient

REPO = Path(__file__).resolve().parents[2]


def started_host(env: dict[str, str] | None = None) -> HostClient:
    """A host subprocess, initialized."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    client = HostClient(None, command=[sys.executable, "-m", "engines.host"], env=full_env)
    client.request("initialize", {"adapterID": "llmspell"})
    client.wait_for_event("initialized")
    return client


def spell_figures(
    program: Path,
    *,
    no_debug: bool,
    breakpoint_line: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> list[float]:
    """Runs `program` through a host and returns the numbers of its first stdout line."""
    client = started_host(env)
    client.request("launch", {"program": str(program), "noDebug": no_debug})
    if breakpoint_line is not None:
        client.request(
            "setBreakpoints",
            {"source": {"path": str(program)}, "breakpoints": [{"line": breakpoint_line}]},
        )
    client.request("configurationDone")
    while True:
        name, body = client.events.get(timeout=timeout)
        if name == "output" and body.get("category") == "stdout":
            figures = [float(x) for x in body["output"].split()]
            break
    client.wait_for_event("terminated", 60)
    client.close()
    return figures


def best_figures(
    program: Path,
    runs: int,
    *,
    no_debug: bool,
    breakpoint_line: int | None = None,
    env: dict[str, str] | None = None,
) -> list[float]:
    """Each figure's best (smallest) over `runs` runs: one run is at the mercy of the
    machine's other work."""
    results = [
        spell_figures(program, no_debug=no_debug, breakpoint_line=breakpoint_line, env=env)
        for _ in range(runs)
    ]
    return [min(run[i] for run in results) for i in range(len(results[0]))]


def pause_latencies(program: Path, cycles: int = 20) -> list[float]:
    """pause → stopped, `cycles` times, on a spell that prints once and then spins."""
    client = started_host()
    client.request("launch", {"program": str(program), "limits": {"timeout": 60}})
    client.request("configurationDone")
    client.wait_for_event("output")
    latencies = []
    for _ in range(cycles):
        start = time.perf_counter()
        client.request("pause", {"threadId": 1})
        client.wait_for_event("stopped")
        latencies.append(time.perf_counter() - start)
        client.request("continue", {"threadId": 1})
        time.sleep(0.01)
    client.terminate()
    client.close()
    return latencies


def latency_summary(latencies: list[float]) -> str:
    return (
        f"median {statistics.median(latencies) * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms over {len(latencies)}"
    )
