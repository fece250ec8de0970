"""Garbage-collector settings for the studio process: no full collection while a spell runs.

A full (generation 2) collection walks every object the process holds; once the inspector
models hold a long run's records, one takes 50–90 ms, and Python starts one whenever the
old generation grew by a quarter, so a flood of records stalled the UI every second or so.
Records and rows are acyclic (reference counting frees them), so the studio:

- freezes what start-up created (`settle()`: modules, widgets, pyqtgraph), so that no
  collection ever walks it again;
- collects the young generations less often (a few ms each) and the old one practically
  never on its own (`THRESHOLDS`);
- runs the full collection itself when nothing runs (`settle()` again, after a run
  ended), then freezes the survivors again.
"""

from __future__ import annotations

import gc
import sys

THRESHOLDS = (1_000, 10, 1_000_000)
"""gen0 and gen1 as usual (about 1 and 5 ms each); gen2 only when we ask."""


SWITCH_INTERVAL = 0.0005
"""Seconds a thread keeps the GIL when another wants it (Python's default: 5 ms). The GUI
thread gives the GIL up around every Qt call and needs it back for every `data()` or
`filterAcceptsRow()` Qt calls: with the record reader busy, each of those waited up to 5 ms."""


def settle() -> None:
    """Set `THRESHOLDS`, collect everything (what was frozen before too: cycles left behind
    since are freed now) and freeze the survivors. Call it after start-up, after loading the
    inspectors and once a run has ended, never while a spell runs (it may take ~100 ms)."""
    gc.set_threshold(*THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.unfreeze()
    gc.collect()
    gc.freeze()
