"""Running each shape of workflow: sequential, parallel, conditional and loop.

Each workflow in progress keeps a frame in the run (engines/api/workflow_resume.py): where it
is, for the checkpoint after each step; a resumed run finds the frame it goes on from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engines.api.diff import copy_data
from engines.api.workflow_branches import first_failure
from engines.api.workflow_build import WorkflowBuilder
from engines.api.workflow_model import MAX_DEPTH, Run, Step, Workflow
from engines.api.workflow_resume import close_frame, open_frame, resumed_frame, write_checkpoint
from engines.api.workflow_values import holds, merge
from engines.errors import ApiError

if TYPE_CHECKING:
    from engines.api.context import RunContext
    from engines.api.state import StateService
    from engines.api.telemetry_services import TraceService


class WorkflowShapes(WorkflowBuilder):
    _ctx: RunContext
    _trace: TraceService
    _state: StateService

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
        raise NotImplementedError  # engines/api/workflow_steps.py

    def _skipped(self, step: Step, wf: Workflow, path: str, reason: str) -> None:
        raise NotImplementedError  # engines/api/workflow_steps.py

    def _workflow(
        self, wf: Workflow, state: dict[str, Any], run: Run, path: str, depth: int
    ) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise ApiError(f"workflows nested deeper than {MAX_DEPTH} levels (a cycle?)")
        resumed = resumed_frame(self._ctx, run, wf, path) if run.resume else None
        with self._trace.span(
            f"invoke_workflow {wf.name}",
            {"llmspell.workflow.type": wf.kind, "llmspell.workflow.id": wf.id},
        ):
            if wf.kind == "sequential":
                state = self._sequential(wf, state, run, path, depth, resumed)
            elif wf.kind == "parallel":
                state = self._parallel(wf, state, run, path, depth, resumed)
            elif wf.kind == "conditional":
                state = self._conditional(wf, state, run, path, depth, resumed)
            else:
                state = self._loop(wf, state, run, path, depth, resumed)
        close_frame(run, path)
        return state

    def _done_before(
        self, wf: Workflow, run: Run, path: str, resumed: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any] | None]:
        """How many steps a resumed frame had done (each gets a `skipped` record), its state."""
        if resumed is None:
            return 0, None
        done = int(resumed["done"])
        for step in wf.steps[:done]:
            self._skipped(step, wf, path, f"done in run {run.resumed_from}")
        return done, dict(resumed["state"])

    def _sequential(
        self,
        wf: Workflow,
        state: dict[str, Any],
        run: Run,
        path: str,
        depth: int,
        resumed: dict[str, Any] | None,
    ) -> dict[str, Any]:
        start, resumed_state = self._done_before(wf, run, path, resumed)
        if resumed_state is not None:
            state = resumed_state
        open_frame(run, path, {"kind": "sequential", "done": start, "state": state})
        steps = wf.steps
        for index in range(start, len(steps)):
            state = self._run_step(steps[index], wf, state, run, path, depth, index)
        return state

    def _parallel(
        self,
        wf: Workflow,
        state: dict[str, Any],
        run: Run,
        path: str,
        depth: int,
        resumed: dict[str, Any] | None,
    ) -> dict[str, Any]:
        # Branches that finished in the run resumed keep their updates and are not run again.
        finished: dict[str, dict[str, Any]] = {}
        if resumed is not None:
            state = dict(resumed["state"])
            names = {step.name for step in wf.steps}
            for name, updates in resumed["finished"].items():
                if name in names and isinstance(updates, dict):
                    finished[name] = updates
        open_frame(run, path, {"kind": "parallel", "state": state, "finished": dict(finished)})
        pending = [step for step in wf.steps if step.name not in finished]
        for step in wf.steps:
            if step.name in finished:
                self._skipped(step, wf, path, f"done in run {run.resumed_from}")
        runner = self._ctx.branches
        concurrent = runner is not None and len(pending) > 1 and wf.max_concurrency != 1
        trace = self._trace

        def branch(step: Step) -> Callable[[], dict[str, Any]]:
            def run_branch() -> dict[str, Any]:
                if concurrent:
                    trace.enter_lane()
                return self._run_step(step, wf, dict(copy_data(state)), run, path, depth)

            return run_branch

        thunks = [branch(step) for step in pending]
        if concurrent:
            assert runner is not None
            outcomes = runner.run(thunks, wf.max_concurrency)
            failure = first_failure(outcomes)
            if failure is not None:
                raise failure
            ends = [o[1] for o in outcomes if o is not None]
        else:
            ends = [thunk() for thunk in thunks]
        ran = {step.name: end for step, end in zip(pending, ends, strict=True)}
        results: dict[str, dict[str, Any]] = {}
        for step in wf.steps:
            if step.name in finished:
                results[step.name] = finished[step.name]
                continue
            results[step.name] = updates_of(state, ran[step.name])
        if wf.merge == "namespaced":
            return {**state, **results}
        if wf.merge == "last_wins":
            merged = dict(state)
            writers: dict[str, tuple[str, Any]] = {}
            for branch_name, updates in results.items():
                for key, value in updates.items():
                    if key in writers and writers[key][1] != value:
                        self._ctx.emit(
                            "workflow.conflict",
                            {
                                "workflow": wf.id,
                                "node": path,
                                "key": key,
                                "branches": [writers[key][0], branch_name],
                                "values": [copy_data(writers[key][1]), copy_data(value)],
                                "kept": branch_name,
                            },
                        )
                    writers[key] = (branch_name, value)
                    merged[key] = value
            return merged
        updates = wf.merge(copy_data(state), copy_data(results))
        return merge(state, updates, f"{path} (merge function)")

    def _conditional(
        self,
        wf: Workflow,
        state: dict[str, Any],
        run: Run,
        path: str,
        depth: int,
        resumed: dict[str, Any] | None,
    ) -> dict[str, Any]:
        # A branch decided on in the run resumed is not decided again (its predicates may
        # not hold the same now): the rule documented in docs/workflows.md.
        everyone = [step for _, step in wf.branches] + ([wf.default] if wf.default else [])
        chosen: Step | None = None
        if resumed is not None:
            chosen = next((s for s in everyone if s.name == resumed.get("chosen")), None)
        if chosen is None:
            for condition, step in wf.branches:
                if holds(condition, state):
                    chosen = step
                    break
            if chosen is None:
                chosen = wf.default
        for step in everyone:
            if step is not chosen:
                self._skipped(step, wf, path, "not chosen")
        if chosen is None:
            return state
        open_frame(run, path, {"kind": "conditional", "chosen": chosen.name})
        if resumed is None:
            write_checkpoint(self._ctx, self._state, run, f"{path}/{chosen.name}", state, "decided")
        return self._run_step(chosen, wf, state, run, path, depth)

    def _loop(
        self,
        wf: Workflow,
        state: dict[str, Any],
        run: Run,
        path: str,
        depth: int,
        resumed: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if wf.times is not None or wf.over is not None:
            count = wf.times if wf.times is not None else len(wf.over or [])
            if count > wf.max_iterations:
                raise ApiError(
                    f"loop {wf.name}: {count} iterations asked, more than its max_iterations "
                    f"({wf.max_iterations})"
                )
        iteration = 0
        start = 0
        if resumed is not None:
            # Go on inside the iteration in progress, with its counter and state as saved.
            iteration = int(resumed["iteration"])
            run.iteration[path] = iteration
            start, resumed_state = self._done_before(wf, run, path, resumed)
            assert resumed_state is not None
            state = resumed_state
        frame: dict[str, Any] = {"kind": "loop", "iteration": iteration, "done": start}
        frame["state"] = state
        open_frame(run, path, frame)
        steps = wf.steps
        while True:
            if iteration and start < len(steps):
                for index in range(start, len(steps)):
                    state = self._run_step(steps[index], wf, state, run, path, depth, index)
            start = 0
            if wf.times is not None and iteration >= wf.times:
                break
            if wf.over is not None:
                if iteration >= len(wf.over):
                    break
                state = {**state, wf.item_key: wf.over[iteration], "index": iteration + 1}
            if wf.condition is not None and not holds(wf.condition, state):
                break
            iteration += 1
            if iteration > wf.max_iterations:
                raise ApiError(
                    f"loop {wf.name} reached its max_iterations ({wf.max_iterations}) and its "
                    "condition still holds"
                )
            run.iteration[path] = iteration
            frame["iteration"] = iteration
            frame["done"] = 0
            frame["state"] = state
        run.iteration.pop(path, None)
        return state


def updates_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """A branch's updates: the keys its end state adds or changes."""
    return {k: v for k, v in after.items() if k not in before or before[k] != v}
