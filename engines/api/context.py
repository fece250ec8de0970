"""What one run of a spell carries: its identity, telemetry, parameters, permissions, limits.

Services get the `RunContext` and nothing else, so the same service code runs under every
engine and every client (CLI, host, tests).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.errors import LimitExceeded
from engines.telemetry import Telemetry


@dataclass
class SpellInfo:
    name: str
    version: str
    dir: Path
    engine: str


@dataclass
class RunLimits:
    timeout: float = 60.0
    memory: int = 512 * 1024 * 1024
    instructions: int | None = None


@dataclass
class RunPermissions:
    env: frozenset[str] = frozenset()
    read_roots: tuple[Path, ...] = ()
    write_roots: tuple[Path, ...] = ()
    hosts: frozenset[str] = frozenset()
    exec: bool = False


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class RunContext:
    spell: SpellInfo
    telemetry: Telemetry
    params: dict[str, Any] = field(default_factory=dict)
    permissions: RunPermissions = field(default_factory=RunPermissions)
    limits: RunLimits = field(default_factory=RunLimits)
    state_db: str = ":memory:"
    started: float = field(default_factory=time.monotonic)
    # Set from any thread to stop the run; engines check it at their interrupt points.
    cancelled: threading.Event = field(default_factory=threading.Event)
    cancel_reason: str = ""
    cancel_limit: str = "cancelled"
    # Set for a replayed run: an engines.replay.Recording serving the recorded values.
    replay: Any = None
    # Runs parallel workflow branches at once (engines.api.workflow_branches.Branches), set
    # by an engine that can; None: branches run one after another.
    branches: Any = None
    # Set for `llmspell run --resume RUN_ID`: the last workflow checkpoints of that run
    # ({"run": id, "checkpoints": {workflow id: checkpoint}}, see engines.api.workflow_resume).
    resume: dict[str, Any] | None = None
    # `semantic_stop(kind, name, description, payload)`: called by services just before
    # something a debugger may want to stop at (a hook point, an LLM call, a tool); a
    # function breakpoint named `kind` or `kind:name` stops there. A no-op unless an engine
    # running under a debugger sets it (the Lua engine sets its debugger's `on_semantic`).
    semantic_stop: Callable[[str, str | None, str, Any], None] = field(
        default=lambda kind, name, description, payload=None: None, repr=False, compare=False
    )
    # `exception_stop(filter, message)`: called where an LLM call or a tool fails; a debugger
    # with that exception filter on (llm_error, tool_error) stops there. A no-op otherwise.
    exception_stop: Callable[[str, str], None] = field(
        default=lambda filter_name, message: None, repr=False, compare=False
    )

    @property
    def run_id(self) -> str:
        return self.telemetry.run_id

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        self.telemetry.emit(kind, data)

    @property
    def deadline(self) -> float:
        return self.started + self.limits.timeout

    def shift_start(self, seconds: float) -> None:
        """Time spent stopped in the debugger does not count against the time limit."""
        self.started += seconds

    def cancel(self, reason: str, limit: str = "cancelled") -> None:
        """Stop the run; `limit` names why in the LimitExceeded the spell ends with (the
        host passes "terminated" when a client ends the run, so it is recorded as such)."""
        self.cancel_reason = reason
        self.cancel_limit = limit
        self.cancelled.set()

    def check_deadline(self) -> None:
        """Raise when the run has gone past its wall-clock limit or was cancelled."""
        if self.cancelled.is_set():
            raise LimitExceeded(self.cancel_limit, self.cancel_reason or "run cancelled")
        if time.monotonic() > self.deadline:
            raise LimitExceeded(
                "timeout",
                f"time limit exceeded: the run took longer than {self.limits.timeout:g} s",
            )

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up at once when the run is cancelled or reaches its deadline."""
        end = time.monotonic() + max(0.0, seconds)
        while True:
            self.check_deadline()
            remaining = min(end, self.deadline + 0.001) - time.monotonic()
            if remaining <= 0:
                if time.monotonic() >= end:
                    return
                continue
            self.cancelled.wait(remaining)

    def nondeterministic(
        self, kind: str, produce: Callable[[], Any], key: str | None = None
    ) -> Any:
        """The replay boundary: every value the outside world gives a spell passes here.

        A live run calls `produce`; a replayed run takes the value from its recording (see
        engines.replay). Either way the value is recorded as a `recorded` record, so replaying
        a replay gives the same records again.
        """
        value = produce() if self.replay is None else self.replay.next(kind, key)
        self.emit("recorded", {"source": kind, "key": key, "value": value})
        return value
