"""Studio benchmarks (figures printed, never asserted): cold start to a visible window, and
the longest event-loop stall while a spell floods the studio with records through a real
engine host (target: 20 000 records/s; also checks that no record went missing)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]

COLD_START = """
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from ide.app import create_studio
studio = create_studio(sys.argv[2])
studio.window.show()
def shown():
    print(f"{time.time() - t0:.3f}")
def ready():
    studio.load_inspectors()
    print(f"{time.time() - t0:.3f}")
    app.quit()
QTimer.singleShot(0, shown)
QTimer.singleShot(0, ready)
app.exec()
"""

FLOOD = """-- Emits log records at RATE per second for SECONDS (paced on CPU time), then says how many.
local rate, seconds = {rate}, {seconds}
local total = rate * seconds
local t0 = os.clock()
for i = 1, total do
  log.debug("tick", {{i = i}})
  if i % 100 == 0 then
    while os.clock() - t0 < i / rate do end
  end
end
print(("emitted %d records in %.2f s"):format(total, os.clock() - t0))
"""


def test_cold_start_to_visible_window(tmp_path: Path) -> None:
    figures = []
    env = dict(os.environ, LLMSPELL_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    for _ in range(3):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                COLD_START,
                repr(time.time()),
                str(REPO / "resources/spellbook/hello"),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        shown, ready = out.stdout.strip().splitlines()[-2:]
        figures.append((float(shown), float(ready)))
    best = min(figures)
    print(
        f"\ncold start to a visible window: best {best[0]:.2f} s (target <= 1.5 s); "
        f"inspector panes ready at {best[1]:.2f} s; runs {figures}"
    )


@pytest.mark.parametrize("rate,seconds", [(20000, 10)])
def test_event_loop_stall_under_a_record_flood(
    qtbot, tmp_path: Path, rate: int, seconds: int
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QElapsedTimer, QTimer

    from ide.app import create_studio
    from ide.panes.console import MAX_LINES

    folder = tmp_path / "flood"
    folder.mkdir()
    (folder / "main.lua").write_text(FLOOD.format(rate=rate, seconds=seconds), encoding="utf-8")
    studio = create_studio(str(folder / "main.lua"))
    qtbot.addWidget(studio.window)
    studio.window.show()
    clock, gaps, ticker = QElapsedTimer(), [], QTimer()
    last = [0]
    busy: list[float] = []  # the GUI thread's CPU time (ms) in each gap

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
        cpu = time.thread_time() * 1000
        busy.append(cpu - last_cpu[0])
        last_cpu[0] = cpu

    last_cpu = [time.thread_time() * 1000]

    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    studio.start(debug=False)
    qtbot.waitUntil(lambda: studio.controller.state == "running", timeout=30000)
    clock.start()
    ticker.start()
    started = time.monotonic()
    qtbot.waitUntil(lambda: studio.controller.state == "ended", timeout=(seconds * 10 + 30) * 1000)
    ticker.stop()
    took = time.monotonic() - started
    stats = studio.controller.stats
    hub = studio.inspectors.hub
    expected = rate * seconds
    logs = studio.window.console.text().count("[debug] tick")
    print(
        f"\nflood: {expected} records asked at {rate}/s; the run took {took:.1f} s "
        f"(~{stats.records / max(took, 1e-9):.0f} records/s reached the studio)"
        f"\n  longest event-loop stall: {max(gaps) - 5 if gaps else -1} ms, 99th percentile "
        f"{sorted(gaps)[int(len(gaps) * 0.99)] - 5 if gaps else -1} ms, over {len(gaps)} ticks of 5 ms "
        f"(target <= 50 ms)"
        f"\n  the GUI thread's own CPU time in the longest stall: "
        f"{busy[gaps.index(max(gaps))] if gaps else -1:.1f} ms (the rest: waiting for a CPU or the GIL)"
        f"\n  records received: {stats.records}; inspector hub: {getattr(hub, 'record_count', 'n/a')}; "
        f"console lines kept: {logs} (it keeps the last {MAX_LINES})"
    )
    assert stats.exit_code == 0
    assert stats.records >= expected  # no record missing (plus run.start/run.end/output)
