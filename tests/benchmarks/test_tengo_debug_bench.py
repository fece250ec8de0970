"""Figures for the Tengo debugger over DAP (printed, never asserted): what the compiled-in
line hook costs fib(25) with a debugger attached and no breakpoint, and with a breakpoint in
another function; pause latency on `for {}`."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from engines.host.client import HostClient

REPO = Path(__file__).resolve().parents[2]

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


def _started() -> HostClient:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    client = HostClient(None, command=[sys.executable, "-m", "engines.host"], env=env)
    client.request("initialize", {"adapterID": "llmspell"})
    client.wait_for_event("initialized")
    return client


def _fib_seconds(tmp_path: Path, no_debug: bool, breakpoint_line: int | None) -> float:
    program = tmp_path / "fib.tengo"
    program.write_text(FIB.lstrip("\n"))
    client = _started()
    client.request("launch", {"program": str(program), "noDebug": no_debug})
    if breakpoint_line is not None:
        client.request(
            "setBreakpoints",
            {"source": {"path": str(program)}, "breakpoints": [{"line": breakpoint_line}]},
        )
    client.request("configurationDone")
    while True:
        name, body = client.events.get(timeout=120)
        if name == "output" and body.get("category") == "stdout":
            seconds = float(body["output"])
            break
    client.wait_for_event("terminated", 60)
    client.close()
    return seconds


def test_tengo_line_hook_overhead(tmp_path: Path):
    plain = _fib_seconds(tmp_path, True, None)
    attached = _fib_seconds(tmp_path, False, None)
    elsewhere = _fib_seconds(tmp_path, False, 4)
    print(
        f"\nTengo fib(25): noDebug {plain:.3f} s, debugger without breakpoints {attached:.3f} s "
        f"({attached / plain:.2f}×), breakpoint in another function {elsewhere:.3f} s "
        f"({elsewhere / plain:.2f}×)"
    )


def test_tengo_pause_latency(tmp_path: Path):
    program = tmp_path / "spin.tengo"
    program.write_text('fmt := import("fmt")\nfmt.println("go")\nfor {}\n')
    client = _started()
    client.request("launch", {"program": str(program), "limits": {"timeout": 60}})
    client.request("configurationDone")
    client.wait_for_event("output")
    latencies = []
    for _ in range(20):
        start = time.perf_counter()
        client.request("pause", {"threadId": 1})
        client.wait_for_event("stopped")
        latencies.append(time.perf_counter() - start)
        client.request("continue", {"threadId": 1})
        time.sleep(0.01)
    client.terminate()
    client.close()
    print(
        f"\nTengo pause → stopped: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms over {len(latencies)}"
    )
