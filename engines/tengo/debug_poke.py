"""The line flags a Tengo unit compiled for debugging tests before each statement, and how
the debugger makes the engine thread call in soon, whatever it is running.

Under `line_hook` every statement starts with `if _lw[LINE]: _line_hook(file, LINE)`, where
`_lw` is the script's `line_flags` list: a list lookup the interpreter does without a call.
`Poker` owns what is in that list: 1 for the lines the debugger wants (breakpoint lines,
every line while stepping), 0 elsewhere. Index 0 is tested at the top of each iteration of
a loop whose body runs no statement (`for {}`).

`poke()` (from the watchdog thread, every few tens of milliseconds) sets every flag, so the
very next statement or loop iteration calls the hook; the hook calls `settle()`, which puts
the wanted flags back, and then looks for a pause request and new breakpoints. Between
pokes the spell pays one list lookup per statement.
"""

from __future__ import annotations


class Poker:
    """One per engine; `use()` once the script exists, `poke()` from any thread."""

    def __init__(self) -> None:
        self.flags: list[int] = [0]
        self.watch: set[int] = set()
        self._wanted: list[int] = [0]
        self._all: list[int] = [1]
        self.pending = False

    def use(self, flags: list[int]) -> None:
        """Take over the script's flag list (shared with the running code: changed in place)."""
        self.flags = flags
        self._all = [1] * len(flags)
        self.set_watch(self.watch)

    def set_watch(self, lines: set[int]) -> None:
        """The lines whose hook should run (on the engine thread)."""
        self.watch = set(lines)
        wanted = [0] * len(self.flags)
        for line in self.watch:
            if 0 < line < len(wanted):
                wanted[line] = 1
        self._wanted = wanted
        self.flags[:] = wanted

    def poke(self) -> None:
        # Flags first, then `pending`: a hook that runs in between sees no poke yet and
        # the next one does; one that settles in between only delays it to the next poke.
        self.flags[:] = self._all
        self.pending = True

    def settle(self) -> None:
        """Called by the hook when `pending`: back to the wanted flags."""
        self.pending = False
        self.flags[:] = self._wanted

    def detach(self) -> None:
        """Called on the engine thread when it stops running Tengo code."""
        self.pending = False
        self.flags[:] = self._wanted
