"""What a JavaScript spell may see, and how its limits are enforced.

mini-racer's V8 is bare ECMAScript: there is no `require`, `process`, `fetch`,
`XMLHttpRequest`, file system or network to begin with (tests check that). The prelude adds
the spell API, `print` and `console`, and removes the few things V8 and mini-racer bring that
a spell must not have:

- `WebAssembly`: a second, compiled sandbox we have no reason to offer;
- `setTimeout`/`clearTimeout` (mini-racer's, built on `Atomics.waitAsync`),
  `Atomics.waitAsync` and `FinalizationRegistry`: they run code later, outside the run, where
  the time limit cannot stop it.

`eval` and `new Function` stay: they compile code into the same global scope, so they reach
nothing the spell could not reach already.

Limits:

- memory: V8's hard heap limit (`set_hard_memory_limit`) from the manifest's `memory`; V8
  terminates the script once a garbage collection finds the heap above it.
- time: the host checks the deadline while it waits for the spell and terminates the V8
  task past it; code V8 runs outside any task (continuations of a spell's own Promises) is
  stopped by tearing the isolate down.
- recursion: V8's `RangeError: Maximum call stack size exceeded`, when uncaught, ends the run
  as the `recursion` limit (exit code 3), as Lua's stack overflow does.
- instructions: V8 has no instruction counter; the budget is **not enforced** for
  JavaScript (the time limit still is).
"""

from __future__ import annotations

# Globals deleted before the spell runs.
REMOVED_GLOBALS = (
    "WebAssembly",
    "setTimeout",
    "clearTimeout",
    "__timer_manager",
    "FinalizationRegistry",
)

# The shared buffer the bridge exchanges messages through (16 header bytes, then text).
BUFFER_SIZE = 1 << 20

# The longest either side sleeps waiting for the other before it looks again (at the clock,
# the memory limit and cancellation, on the host's side).
SLEEP_SECONDS = 0.02

# After asking V8 to stop (a limit), how long to wait before tearing the isolate down.
STOP_GRACE_SECONDS = 0.5
