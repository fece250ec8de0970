"""The data of the `workflow` service: workflows and steps as built, and a run in progress.

Built by engines/api/workflow_build.py, run by engines/api/workflow_steps.py and
engines/api/workflow_shapes.py; a `Run` also carries what a checkpoint needs
(engines/api/workflow_resume.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from engines.errors import ApiError

KINDS = ("sequential", "parallel", "conditional", "loop")
MERGES = ("namespaced", "last_wins")
MAX_DEPTH = 32


class WorkflowError(ApiError):
    """A step failed and its error strategy did not recover."""

    def __init__(self, message: str, step: str) -> None:
        super().__init__(message)
        self.step = step


@dataclass
class ErrorPolicy:
    mode: str = "fail"  # fail, continue, retry, fallback
    retries: int = 0
    backoff: float = 0.0
    fallback: Step | None = None


@dataclass
class Step:
    name: str
    kind: str  # function, tool, agent, workflow
    target: Any  # the callable, the tool or agent name, the workflow id
    arguments: Any = None
    input: str | None = None
    output: str | None = None
    on_error: ErrorPolicy | None = None
    compensate: Callable[..., Any] | None = None


@dataclass
class Workflow:
    id: str
    kind: str
    name: str
    steps: list[Step] = field(default_factory=list)
    on_error: ErrorPolicy | None = None
    # parallel
    max_concurrency: int = 0
    merge: Any = "namespaced"
    # conditional: (condition, step) pairs
    branches: list[tuple[Any, Step]] = field(default_factory=list)
    default: Step | None = None
    # loop
    condition: Any = None
    times: int | None = None
    over: list[Any] | None = None
    item_key: str = "item"
    max_iterations: int = 100


@dataclass
class Run:
    """A top-level `workflow.run` in progress, with everything nested in it."""

    root: str
    call: int = 1  # the how-many-th top-level run of this workflow in the spell's run
    done: int = 0  # steps done (checkpoints written), any depth
    compensations: list[tuple[Step, str]] = field(default_factory=list)
    iteration: dict[str, int] = field(default_factory=dict)
    # The workflows in progress, by node path: where each one is (workflow_resume.py).
    frames: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A resumed run (`llmspell run --resume`): the run it goes on from, and the frames of
    # its checkpoint not yet taken up, by node path (each is used once).
    resumed_from: str | None = None
    resume: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Parallel branches run on threads: frames change and are read under this lock.
    lock: threading.Lock = field(default_factory=threading.Lock)


# The node a step runs in, for a workflow.run called from inside that step (per branch).
PATH: ContextVar[str] = ContextVar("llmspell_workflow_path", default="")

FAIL = ErrorPolicy()


def ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
