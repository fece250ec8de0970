"""Running one step of a workflow: the debugger's stop and the hook points around it, its
error strategy (fail, continue, retry with backoff, fallback), what it runs (a function, a
workflow, a tool, a spell, an agent), its records and span, and after it the checkpoint;
and the saga's compensations when a top-level run fails.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from engines.api.diff import copy_data, diff_values
from engines.api.workflow_model import (
    FAIL,
    PATH,
    ErrorPolicy,
    Run,
    Step,
    Workflow,
    WorkflowError,
    ms,
)
from engines.api.workflow_resume import write_checkpoint
from engines.api.workflow_shapes import WorkflowShapes, updates_of
from engines.api.workflow_spell import run_spell_step
from engines.api.workflow_values import lookup, merge, resolve
from engines.errors import LimitExceeded

if TYPE_CHECKING:
    from engines.api.hooks import HooksService


class WorkflowSteps(WorkflowShapes):
    _hooks: HooksService
    _tools: Any
    _agent: Any

    def _run_step(
        self,
        step: Step,
        wf: Workflow,
        state: dict[str, Any],
        run: Run,
        path: str,
        depth: int,
        index: int = 0,
    ) -> dict[str, Any]:
        ctx = self._ctx
        ctx.check_deadline()
        node = f"{path}/{step.name}"
        # The debugger's stop before the step (docs/debugging.md): it may skip the step, edit
        # the state it receives, or ask to stop after it (`stop_after`), where it may re-run it.
        stop: dict[str, Any] = {"step": node, "name": step.name, "kind": step.kind, "state": state}
        ctx.semantic_stop("step", step.name, f"before step {step.name}", stop)
        if stop.get("skip"):
            self._advance(run, path, step, index, state)
            self._skipped(step, wf, path, "skipped from the debugger")
            return state
        state = stop["state"]
        before = self._hooks.run(
            "before_workflow_step",
            {"workflow": wf.id, "step": step.name, "node": node, "state": state},
        )
        if before.cancelled:
            self._advance(run, path, step, index, state)
            self._skipped(step, wf, path, before.reason or "cancelled by a hook")
            return state
        if isinstance(before.payload, dict) and isinstance(before.payload.get("state"), dict):
            state = before.payload["state"]
        record: dict[str, Any] = {
            "workflow": wf.id,
            "node": node,
            "step": step.name,
            "kind": step.kind,
        }
        if path in run.iteration:
            record["iteration"] = run.iteration[path]
        while True:
            new_state, recovered = self._perform(step, wf, state, run, node, depth, record)
            if not stop.get("stop_after"):
                break
            done: dict[str, Any] = {
                "step": node,
                "name": step.name,
                "kind": step.kind,
                "state": state,
                "output": new_state,
                "stop": True,
            }
            ctx.semantic_stop("step_done", step.name, f"after step {step.name}", done)
            if not done.get("rerun"):
                break
            state = done["state"]  # the input again, as the client may have edited it
        if step.compensate is not None and recovered is None:
            run.compensations.append((step, node))
        self._advance(run, path, step, index, new_state)
        write_checkpoint(ctx, self._state, run, node, new_state)
        return new_state

    def _advance(
        self, run: Run, path: str, step: Step, index: int, new_state: dict[str, Any]
    ) -> None:
        """The step is done (or skipped): its workflow's frame moves past it."""
        frame = run.frames.get(path)
        if frame is None:
            return
        kind = frame["kind"]
        if kind == "parallel":
            updates = updates_of(frame["state"], new_state)
            with run.lock:
                frame["finished"][step.name] = updates
        elif kind != "conditional":
            frame["done"] = index + 1
            frame["step"] = step.name
            frame["state"] = new_state

    def _perform(
        self,
        step: Step,
        wf: Workflow,
        state: dict[str, Any],
        run: Run,
        node: str,
        depth: int,
        record: dict[str, Any],
    ) -> tuple[dict[str, Any], str | None]:
        """Run the step with its error policy: (new state, error recovered from or None)."""
        ctx = self._ctx
        ctx.emit("workflow.step", {**record, "status": "running"})
        started = time.perf_counter()
        policy = step.on_error or wf.on_error or FAIL
        try:
            with self._trace.span(f"workflow_step {step.name}", {"llmspell.workflow.step": node}):
                new_state, attempts, recovered = self._attempt(
                    step, policy, state, run, node, depth
                )
        except LimitExceeded:
            raise
        except Exception as exc:
            ctx.emit(
                "workflow.step",
                {**record, "status": "failed", "error": str(exc), "duration_ms": ms(started)},
            )
            if isinstance(exc, WorkflowError):
                raise
            raise WorkflowError(f"step {node} failed: {exc}", node) from exc
        status = "done"
        extra: dict[str, Any] = {}
        if recovered is not None:
            status = "failed" if policy.mode == "continue" else "done"
            extra["error"] = recovered
            extra["recovered_by"] = policy.mode
        if attempts > 1:
            extra["attempts"] = attempts
        after = self._hooks.run(
            "after_workflow_step",
            {"workflow": wf.id, "step": step.name, "node": node, "state": new_state},
        )
        if isinstance(after.payload, dict) and isinstance(after.payload.get("state"), dict):
            new_state = after.payload["state"]
        ctx.emit(
            "workflow.step",
            {
                **record,
                "status": status,
                "duration_ms": ms(started),
                "diff": diff_values(state, new_state),
                **extra,
            },
        )
        return new_state, recovered

    def _attempt(
        self,
        step: Step,
        policy: ErrorPolicy,
        state: dict[str, Any],
        run: Run,
        node: str,
        depth: int,
    ) -> tuple[dict[str, Any], int, str | None]:
        """(new state, attempts, error recovered from or None)."""
        tries = 1 + (policy.retries if policy.mode in ("retry", "fallback") else 0)
        error: Exception | None = None
        for attempt in range(1, tries + 1):
            try:
                return self._execute(step, state, run, node, depth), attempt, None
            except LimitExceeded:
                raise
            except Exception as exc:
                error = exc
                if attempt < tries:
                    self._ctx.emit(
                        "workflow.step",
                        {"node": node, "step": step.name, "status": "retrying",
                         "attempt": attempt, "error": str(exc)},
                    )  # fmt: skip
                    if policy.backoff:
                        self._ctx.wait(policy.backoff * (2 ** (attempt - 1)))
        assert error is not None
        if policy.mode == "continue":
            return state, tries, str(error)
        if policy.mode == "fallback" and policy.fallback is not None:
            fallback = policy.fallback
            new_state = self._execute(fallback, state, run, f"{node}/{fallback.name}", depth)
            return new_state, tries, str(error)
        raise error

    def _execute(
        self, step: Step, state: dict[str, Any], run: Run, node: str, depth: int
    ) -> dict[str, Any]:
        if step.kind == "function":
            return merge(state, step.target(copy_data(state)), node)
        if step.kind == "workflow":
            token = PATH.set(node)
            try:
                return self._workflow(self._get(step.target), state, run, node, depth + 1)
            finally:
                PATH.reset(token)
        if step.kind == "tool":
            arguments = step.arguments
            if callable(arguments):
                arguments = arguments(copy_data(state))
            arguments = resolve(arguments or {}, state)
            result = self._tools().call(step.target, arguments)
            return {**state, step.output or step.name: result}
        if step.kind == "spell":
            params = step.arguments
            if callable(params):
                params = params(copy_data(state))
            updates = run_spell_step(
                self._ctx,
                self._trace,
                getattr(self._state, "_store", None),
                step.target,
                copy_data(state),
                resolve(params or {}, state),
                node,
            )
            return merge(state, updates, node)
        # agent
        message: Any = state if step.input is None else lookup(state, step.input)
        answer = self._agent().run(step.target, message)
        return {**state, step.output or step.name: answer["text"]}

    def _skipped(self, step: Step, wf: Workflow, path: str, reason: str) -> None:
        self._ctx.emit(
            "workflow.step",
            {"workflow": wf.id, "node": f"{path}/{step.name}", "step": step.name,
             "kind": step.kind, "status": "skipped", "reason": reason},
        )  # fmt: skip

    def _compensate(self, run: Run, state: dict[str, Any]) -> None:
        """Saga: the compensations of the completed steps, most recent first."""
        while run.compensations:
            step, node = run.compensations.pop()
            assert step.compensate is not None
            started = time.perf_counter()
            try:
                step.compensate(copy_data(state))
            except LimitExceeded:
                raise
            except Exception as exc:
                self._ctx.emit(
                    "workflow.step",
                    {"node": node, "step": step.name, "status": "compensation_failed",
                     "error": str(exc), "duration_ms": ms(started)},
                )  # fmt: skip
                continue
            self._ctx.emit(
                "workflow.step",
                {"node": node, "step": step.name, "status": "compensated",
                 "duration_ms": ms(started)},
            )  # fmt: skip
