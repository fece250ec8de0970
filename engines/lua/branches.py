"""Parallel workflow branches for the Lua engine: branch threads, Lua on the engine thread.

A Lua runtime belongs to one thread (lupa holds its lock through every call, Python
callbacks included), so the branches' workflow logic runs on branch threads
(engines/api/workflow_branches.BranchPool) while the engine thread, waiting in the parallel
workflow, serves them: each spell function a branch calls becomes a job run on the engine
thread in a Lua coroutine of its own (prelude `branch_start`/`branch_resume`). When that
function makes an API call that waits (an LLM, a tool: `DEFERRABLE`), the prelude yields the
coroutine with the call; the call's arguments are converted here, the call runs on the branch
thread that asked for the job, and its answer resumes the coroutine. Meanwhile the engine
thread serves the other branches, so two branches waiting 1 s each finish in about 1 s.

Debugger stops from a branch thread (a step, an LLM call) are also jobs: they happen on the
engine thread, one at a time, where the debugger can inspect the runtime.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lupa import lua54

from engines.api.workflow_branches import BranchPool, Outcome
from engines.errors import LimitExceeded
from engines.host.debugger import Terminated

if TYPE_CHECKING:
    from engines.lua.adapter import LuaEngine

# How often the engine thread, waiting for branches, checks the time limit and pause.
_TICK = 0.05
_WAKE = object()


@dataclass
class _Job:
    """A call a branch thread needs done on the engine thread."""

    fn: Any  # a Lua function, or a Python callable when `python`
    args: tuple[Any, ...]
    context: contextvars.Context
    inbox: queue.SimpleQueue[Any]
    python: bool = False
    thread: Any = None  # the Lua coroutine running a Lua job
    deferred: Any = field(default=None, repr=False)  # the API call it waits for


class LuaBranches:
    def __init__(self, engine: LuaEngine) -> None:
        self._engine = engine
        self._ctx = engine.ctx
        self.engine_thread = threading.get_ident()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._inboxes = threading.local()
        self._loops = 0
        self._start = engine.lua_engine.branch_start
        self._resume = engine.lua_engine.branch_resume

    @property
    def active(self) -> bool:
        """True while branches run: calls from other threads must come to the engine thread."""
        return self._loops > 0

    def off_engine(self) -> bool:
        return self._loops > 0 and threading.get_ident() != self.engine_thread

    # -- the parallel workflow's side ------------------------------------------------------

    def run(self, thunks: list[Callable[[], Any]], limit: int) -> list[Outcome | None]:
        pool = BranchPool(thunks, limit, wake=lambda: self._queue.put(_WAKE))
        if threading.get_ident() != self.engine_thread:
            # A parallel workflow inside a branch: the engine thread already serves.
            pool.start()
            while not pool.done.wait(_TICK):
                self._ctx.check_deadline()
            return pool.outcomes
        self._loops += 1
        try:
            pool.start()
            ticked = time.monotonic()
            while not pool.done.is_set():
                try:
                    self._serve(self._queue.get(timeout=_TICK))
                except queue.Empty:
                    pass
                if time.monotonic() - ticked >= _TICK:
                    self._tick()
                    ticked = time.monotonic()
        except BaseException:
            pool.interrupt()
            raise
        finally:
            self._loops -= 1
        return pool.outcomes

    def _tick(self) -> None:
        self._ctx.check_deadline()
        debugger = self._engine.debugger
        if debugger is not None:
            try:
                debugger.check_pause()
            except Terminated:
                raise LimitExceeded("terminated", self._engine.terminate()) from None

    def _serve(self, item: Any) -> None:
        if item is _WAKE:
            return
        if isinstance(item, tuple):  # ("resume", job, outcome): a deferred call finished
            _, waiting, outcome = item
            self._step(waiting, *self._engine.lua_outcome(outcome, waiting.deferred))
            return
        job = item
        if job.python:
            try:
                job.inbox.put(("reply", True, job.context.run(job.fn, *job.args)))
            except BaseException as exc:
                job.inbox.put(("reply", False, exc))
            return
        to_lua = self._engine.converter.to_lua
        try:
            args = [to_lua(a) for a in job.args]
        except Exception as exc:
            job.inbox.put(("reply", False, exc))
            return
        job.thread = self._start(job.fn)
        self._step(job, *args)

    def _step(self, job: _Job, *values: Any) -> None:
        """Resume the job's coroutine until it yields an API call to wait for, or ends."""
        engine = self._engine
        try:
            result = job.context.run(self._resume, job.thread, *values)
        except lua54.LuaMemoryError:
            job.inbox.put(("reply", False, engine.memory_limit()))
            return
        status, *rest = result if isinstance(result, tuple) else (result,)
        if status == "yield":
            python_function, *lua_args = rest
            raw = getattr(python_function, "raw", None)
            try:
                if raw is None:
                    raise TypeError("not an API function")
                to_python = engine.converter.to_python
                args = [to_python(a) for a in lua_args]
            except Exception as exc:
                self._step(job, *engine.lua_outcome((False, exc), raw))
                return
            job.deferred = raw
            job.inbox.put(("run", raw, args, job))
        elif status == "done":
            try:
                value = engine.converter.to_python(rest[0] if rest else None)
                job.inbox.put(("reply", True, value))
            except Exception as exc:
                job.inbox.put(("reply", False, exc))
        else:
            message = str(rest[0]) if rest else "error"
            error = engine.limit_error or lua54.LuaError(message)
            job.inbox.put(("reply", False, error))

    # -- the branch threads' side ----------------------------------------------------------

    def call_lua(self, fn: Any, args: tuple[Any, ...]) -> Any:
        """A Lua function called from a branch thread: run on the engine thread."""
        return self._call(_Job(fn, args, contextvars.copy_context(), self._inbox()))

    def call_python(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Python code that must run on the engine thread (a debugger stop)."""
        return self._call(_Job(fn, args, contextvars.copy_context(), self._inbox(), python=True))

    def _inbox(self) -> queue.SimpleQueue[Any]:
        inbox = getattr(self._inboxes, "queue", None)
        if inbox is None:
            inbox = self._inboxes.queue = queue.SimpleQueue()
        return inbox

    def _call(self, job: _Job) -> Any:
        self._queue.put(job)
        inbox = job.inbox
        while True:
            try:
                message = inbox.get(timeout=_TICK)
            except queue.Empty:
                if self._loops == 0:
                    raise LimitExceeded("cancelled", "the run ended") from None
                continue
            if message[0] == "reply":
                _, ok, value = message
                if ok:
                    return value
                raise value
            # ("run", call, args, job): an API call a coroutine of ours waits for.
            _, call, args, waiting = message
            try:
                outcome: Outcome = (True, call(*args))
            except Exception as exc:
                outcome = (False, exc)
            self._queue.put(("resume", waiting, outcome))
