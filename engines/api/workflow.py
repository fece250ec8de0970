"""The `workflow` service: sequential, parallel, conditional and loop workflows over a state.

A spell builds workflows with the constructors (each returns the workflow's id, its name)
and runs one with `workflow.run(id, state)`. A step is a spell function (it receives the state
and returns a table of updates, or nil), an agent, a tool, another workflow or another spell;
workflows nest to any depth. The state is a table of top-level keys: a step's updates are
merged into it key by key.

Records: `workflow.definition` (nodes and edges of the whole tree, once per run of a top-level
workflow), `workflow.step` (status running, then done, failed, skipped or compensated, with
the duration and the state diff), `workflow.conflict` (two parallel branches wrote the same
key with different values under `last_wins`); spans `invoke_workflow {name}` holding a span
`workflow_step {name}` per step. Before each step the debugger hook
`ctx.semantic_stop("step", name, ...)` is called and the `before_workflow_step` hook point run
(a hook may cancel the step: it is then skipped) and after it `after_workflow_step`.
After each step, at any depth, a checkpoint goes into the run's state at
`workflow.<id>.checkpoint`, for `llmspell run --resume` (engines/api/workflow_resume.py).

The service is split by concern: data (workflow_model.py), building and the definition
(workflow_build.py), each shape (workflow_shapes.py), one step with its error strategy and
the saga (workflow_steps.py), state values and conditions (workflow_values.py), parallel
branches on threads (workflow_branches.py), spells as steps (workflow_spell.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engines.api.context import RunContext
from engines.api.hooks import HooksService
from engines.api.state import StateService
from engines.api.telemetry_services import TraceService
from engines.api.workflow_model import (
    KINDS,
    MAX_DEPTH,
    MERGES,
    PATH,
    ErrorPolicy,
    Run,
    Step,
    Workflow,
    WorkflowError,
)
from engines.api.workflow_resume import take_resume, write_checkpoint
from engines.api.workflow_steps import WorkflowSteps
from engines.errors import ApiError, LimitExceeded

__all__ = [
    "KINDS",
    "MAX_DEPTH",
    "MERGES",
    "ErrorPolicy",
    "Step",
    "Workflow",
    "WorkflowError",
    "WorkflowService",
]


class WorkflowService(WorkflowSteps):
    def __init__(
        self,
        ctx: RunContext,
        trace: TraceService,
        hooks: HooksService,
        state: StateService,
        tools: Callable[[], Any],
        agent: Callable[[], Any],
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self._trace = trace
        self._hooks = hooks
        self._state = state
        self._tools = tools
        self._agent = agent
        # The run in progress (top-level workflow.run): compensations and checkpoint.
        self._run: Run | None = None
        # How many top-level runs of each workflow so far: a checkpoint is per run (call).
        self._calls: dict[str, int] = {}

    # -- spell API: running and introspection ----------------------------------------------

    def run(self, id: str, state: Any = None) -> dict[str, Any]:
        wf = self._get(id)
        if state is None or state == []:
            state = {}
        if not isinstance(state, dict):
            raise ApiError("a workflow's state is a table with named keys")
        state = dict(state)
        if self._run is not None:
            # Called from inside a step: a nested run within the same top-level run.
            return self._workflow(wf, state, self._run, f"{PATH.get()}/{wf.name}", 1)
        call = self._calls[wf.id] = self._calls.get(wf.id, 0) + 1
        run = Run(wf.id, call=call)
        self._ctx.emit("workflow.definition", self.definition(wf.id))
        final = take_resume(self._ctx, wf, run)
        if final is not None:
            # That run of the workflow had finished in the run resumed: its result.
            return final
        self._run = run
        try:
            final = self._workflow(wf, state, run, wf.name, 0)
        except BaseException as exc:
            if not isinstance(exc, LimitExceeded):
                self._compensate(run, state)
            raise
        finally:
            self._run = None
        write_checkpoint(self._ctx, self._state, run, wf.name, final, event="finished")
        return final
