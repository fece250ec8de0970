"""Parallel workflow branches that run at once, each on a thread of its own.

A parallel workflow hands its branches (Python callables) to the engine's `Branches`
(`ctx.branches`). Every branch runs the workflow's own step logic on a branch thread, in a
copy of the context it was forked from, with a trace lane of its own (so its spans nest under
its step). What a branch does in the spell's language depends on the engine:

- Lua (engines/lua/branches.py): a Lua runtime is single-threaded, so every spell function a
  branch calls runs on the engine thread, in a coroutine that yields at the API calls that
  wait (`DEFERRABLE`); the call itself then runs on the branch thread, and the engine thread
  resumes whichever coroutine's call finished first.
- Tengo (`ThreadBranches` here): compiled to Python, its functions run on the branch threads.
- JavaScript: one isolate behind a synchronous bridge; no `Branches`, so branches run one
  after another (docs/workflows.md).

At most `max_concurrency` branches run at once (0: all). After a failure no further branch
starts; the ones already running finish, then the first failure (in declared order) is raised.
"""

from __future__ import annotations

import contextvars
import ctypes
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from engines.api.context import RunContext
from engines.errors import LimitExceeded

# API calls that may wait (on a model, a tool, a sub-workflow, the clock): in a Lua branch
# they yield the branch's coroutine instead of holding the engine thread.
DEFERRABLE: dict[str, frozenset[str]] = {
    "llm": frozenset({"chat", "complete", "stream", "structured"}),
    "agent": frozenset({"run"}),
    "tools": frozenset({"call"}),
    "workflow": frozenset({"run"}),
    "util": frozenset({"sleep"}),
}

Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


class Branches(Protocol):
    def run(self, thunks: list[Callable[[], Any]], limit: int) -> list[Outcome | None]:
        """Run the branches at once (at most `limit`, 0 = all) and return their outcomes in
        order; None for a branch that never started because an earlier one failed."""
        ...


class BranchInterrupted(BaseException):
    """Raised asynchronously in a branch thread still running when its run ends."""


class BranchPool:
    """Starts the branch threads, at most `limit` at once, and collects their outcomes.

    Each thread runs in a copy of the context the pool was made in (the parallel workflow's
    own), never of a sibling's: a branch's spans nest under the workflow, not a sibling."""

    def __init__(
        self, thunks: list[Callable[[], Any]], limit: int, wake: Callable[[], None] = lambda: None
    ) -> None:
        self.outcomes: list[Outcome | None] = [None] * len(thunks)
        self._waiting = deque(enumerate(thunks))
        self._limit = limit if limit > 0 else len(thunks)
        self._running: dict[int, int] = {}  # branch index -> thread ident
        self._failed = False
        self._lock = threading.Lock()
        self._context = contextvars.copy_context()
        self._wake = wake
        self.done = threading.Event()

    def start(self) -> None:
        with self._lock:
            while self._waiting and len(self._running) < self._limit and not self._failed:
                index, thunk = self._waiting.popleft()
                self._running[index] = 0
                thread = threading.Thread(
                    target=self._context.copy().run,
                    args=(self._main, index, thunk),
                    name=f"workflow-branch-{index + 1}",
                    daemon=True,
                )
                thread.start()
                self._running[index] = thread.ident or 0
            if not self._running and (self._failed or not self._waiting):
                self.done.set()

    def _main(self, index: int, thunk: Callable[[], Any]) -> None:
        try:
            outcome: Outcome = (True, thunk())
        except BaseException as exc:  # handed to the thread that waits for the branches
            outcome = (False, exc)
        with self._lock:
            self.outcomes[index] = outcome
            self._running.pop(index, None)
            if not outcome[0]:
                self._failed = True
        self.start()
        self._wake()

    def interrupt(self, wait: float = 1.0) -> None:
        """The run is ending (a limit, a termination): stop branches still running code, and
        give them a moment to unwind (their `finally` blocks restore process-wide settings,
        such as the recursion limit Tengo raises, which must happen before the run's own)."""
        with self._lock:
            idents = [i for i in self._running.values() if i]
            self._failed = True
        for ident in idents:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(ident), ctypes.py_object(BranchInterrupted)
            )
        self.done.wait(wait)


class ThreadBranches:
    """Branches on threads, for an engine whose code may run on any thread (Tengo)."""

    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx

    def run(self, thunks: list[Callable[[], Any]], limit: int) -> list[Outcome | None]:
        pool = BranchPool(thunks, limit)
        pool.start()
        try:
            while not pool.done.wait(0.02):
                self._ctx.check_deadline()
        except BaseException:
            pool.interrupt()
            raise
        return pool.outcomes


def first_failure(outcomes: list[Outcome | None]) -> BaseException | None:
    """The exception to raise for the branches: a limit first, else the first in order."""
    errors = [o[1] for o in outcomes if o is not None and not o[0]]
    for error in errors:
        if isinstance(error, LimitExceeded | BranchInterrupted) or not isinstance(error, Exception):
            return error
    return errors[0] if errors else None
