"""The `workflow` service: sequential, parallel, conditional and loop workflows over a state.

A spell builds workflows with the constructors (each returns the workflow's id, its name)
and runs one with `workflow.run(id, state)`. A step is a spell function (it receives the state
and returns a table of updates, or nil), an agent, a tool or another workflow; workflows nest
to any depth. The state is a table of top-level keys: a step's updates are merged into it key
by key.

Records: `workflow.definition` (nodes and edges of the whole tree, once per run of a top-level
workflow), `workflow.step` (status running, then done, failed, skipped or compensated, with
the duration and the state diff), `workflow.conflict` (two parallel branches wrote the same
key with different values under `last_wins`); spans `invoke_workflow {name}` holding a span
`workflow_step {name}` per step. Before each step the debugger hook
`ctx.semantic_stop("step", name, ...)` is called and the `before_workflow_step` hook point run
(a hook may cancel the step: it is then skipped) and after it `after_workflow_step`.
After each step of a top-level workflow a checkpoint goes into the run's state at
`workflow.<id>.checkpoint` (the last step done, how many are done, and the state), for a later resume.

Parallel branches run one after another, in their declared order, on the spell's thread: a
Lua runtime is single-threaded, and the trace and hooks services keep one stack per run.
Each branch starts from the same copy of the state; their updates are merged afterwards by
the declared strategy, so the result does not depend on the order except under `last_wins`.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.api.context import RunContext
from engines.api.diff import copy_data, diff_values
from engines.api.hooks import HooksService
from engines.api.state import StateService
from engines.api.telemetry_services import TraceService
from engines.api.workflow_branches import first_failure
from engines.api.workflow_resume import resume_from
from engines.api.workflow_spell import run_spell_step
from engines.errors import ApiError, LimitExceeded

KINDS = ("sequential", "parallel", "conditional", "loop")
MERGES = ("namespaced", "last_wins")
MAX_DEPTH = 32

_COMMON = {"name", "on_error", "description"}
_CONFIG_KEYS = {
    "sequential": _COMMON | {"steps"},
    "parallel": _COMMON | {"steps", "max_concurrency", "merge"},
    "conditional": _COMMON | {"branches", "default"},
    "loop": _COMMON | {"step", "steps", "while", "condition", "times", "over", "as",
                       "max_iterations"},
}  # fmt: skip
_STEP_KEYS = {
    "name", "fn", "agent", "tool", "workflow", "spell", "arguments", "params", "input",
    "output", "on_error", "compensate", "description",
}  # fmt: skip
_OPS = ("==", "~=", "!=", ">", ">=", "<", "<=", "exists", "not_exists", "contains", "in")


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


class WorkflowService:
    def __init__(
        self,
        ctx: RunContext,
        trace: TraceService,
        hooks: HooksService,
        state: StateService,
        tools: Callable[[], Any],
        agent: Callable[[], Any],
    ) -> None:
        self._ctx = ctx
        self._trace = trace
        self._hooks = hooks
        self._state = state
        self._tools = tools
        self._agent = agent
        self._workflows: dict[str, Workflow] = {}
        self._counter = 0
        # The run in progress (top-level workflow.run): compensations and checkpoint.
        self._run: _Run | None = None

    # -- spell API: constructors ------------------------------------------------------------

    def sequential(self, config: dict[str, Any]) -> str:
        wf = self._new("sequential", config)
        wf.steps = self._steps(config.get("steps"), wf.name)
        return self._add(wf)

    def parallel(self, config: dict[str, Any]) -> str:
        wf = self._new("parallel", config)
        wf.steps = self._steps(config.get("steps"), wf.name)
        concurrency = config.get("max_concurrency", 0)
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 0:
            raise ApiError(f"workflow {wf.name}: max_concurrency must be a whole number ≥ 0")
        wf.max_concurrency = concurrency
        merge = config.get("merge", "namespaced")
        if not (merge in MERGES or callable(merge)):
            raise ApiError(
                f"workflow {wf.name}: merge must be 'namespaced', 'last_wins' or a function"
            )
        wf.merge = merge
        return self._add(wf)

    def conditional(self, config: dict[str, Any]) -> str:
        wf = self._new("conditional", config)
        branches = config.get("branches") or []
        if not isinstance(branches, list):
            raise ApiError(f"workflow {wf.name}: branches must be an array")
        for index, branch in enumerate(branches, 1):
            if not isinstance(branch, dict) or "when" not in branch or "step" not in branch:
                raise ApiError(
                    f"workflow {wf.name}: branch {index} needs `when` (a function or a "
                    "condition table) and `step`"
                )
            _check_condition(branch["when"], f"workflow {wf.name} branch {index}")
            wf.branches.append(
                (branch["when"], self._step(branch["step"], f"branch{index}", wf.name))
            )
        if config.get("default") is not None:
            wf.default = self._step(config["default"], "default", wf.name)
        if not wf.branches and wf.default is None:
            raise ApiError(f"workflow {wf.name}: a conditional needs branches or a default")
        self._unique([s for _, s in wf.branches] + ([wf.default] if wf.default else []), wf)
        return self._add(wf)

    def loop(self, config: dict[str, Any]) -> str:
        wf = self._new("loop", config)
        if "step" in config and "steps" in config:
            raise ApiError(f"workflow {wf.name}: give either step or steps, not both")
        if "steps" in config:
            wf.steps = self._steps(config["steps"], wf.name)
        elif config.get("step") is not None:
            wf.steps = [self._step(config["step"], "body", wf.name)]
        else:
            raise ApiError(f"workflow {wf.name}: a loop needs a step")
        condition = config.get("while", config.get("condition"))
        chosen = [k for k in ("condition", "times", "over") if config.get(k) is not None]
        if config.get("while") is not None:
            chosen.append("while")
        if len(chosen) != 1 or chosen == ["while", "condition"]:
            raise ApiError(
                f"workflow {wf.name}: a loop needs exactly one of while (or condition), times, over"
            )
        if condition is not None:
            _check_condition(condition, f"workflow {wf.name}")
            wf.condition = condition
        if config.get("times") is not None:
            times = config["times"]
            if not isinstance(times, int) or isinstance(times, bool) or times < 0:
                raise ApiError(f"workflow {wf.name}: times must be a whole number ≥ 0")
            wf.times = times
        if config.get("over") is not None:
            over = config["over"]
            if over == {}:
                over = []
            if not isinstance(over, list):
                raise ApiError(f"workflow {wf.name}: over must be an array")
            wf.over = over
        wf.item_key = str(config.get("as") or "item")
        guard = config.get("max_iterations", 100)
        if not isinstance(guard, int) or isinstance(guard, bool) or guard < 1:
            raise ApiError(f"workflow {wf.name}: max_iterations must be a whole number ≥ 1")
        wf.max_iterations = guard
        return self._add(wf)

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
            return self._workflow(wf, state, self._run, f"{_PATH.get()}/{wf.name}", 1)
        run = _Run(wf.id)
        self._ctx.emit("workflow.definition", self.definition(wf.id))
        state = resume_from(self._ctx, wf, run, state)
        self._run = run
        try:
            return self._workflow(wf, state, run, wf.name, 0)
        except BaseException as exc:
            if not isinstance(exc, LimitExceeded):
                self._compensate(run, state)
            raise
        finally:
            self._run = None

    def definition(self, id: str) -> dict[str, Any]:
        wf = self._get(id)
        nodes: builtins.list[dict[str, Any]] = []
        edges: builtins.list[dict[str, Any]] = []
        self._describe(wf, wf.name, None, nodes, edges, 0)
        return {"workflow": wf.id, "name": wf.name, "type": wf.kind, "nodes": nodes, "edges": edges}

    def list(self) -> builtins.list[dict[str, Any]]:
        return [
            {"id": wf.id, "name": wf.name, "type": wf.kind, "steps": len(wf.steps)}
            for wf in self._workflows.values()
        ]

    # -- building ---------------------------------------------------------------------------

    def _new(self, kind: str, config: dict[str, Any]) -> Workflow:
        unknown = set(config) - _CONFIG_KEYS[kind]
        if unknown:
            raise ApiError(f"unknown {kind} workflow settings: {', '.join(sorted(unknown))}")
        self._counter += 1
        name = config.get("name") or f"{kind}{self._counter}"
        if not isinstance(name, str) or "/" in name:
            raise ApiError("a workflow's name is a string without '/'")
        wf = Workflow(id=name, kind=kind, name=name)
        if config.get("on_error") is not None:
            wf.on_error = self._policy(config["on_error"], name)
        return wf

    def _add(self, wf: Workflow) -> str:
        self._workflows[wf.id] = wf
        return wf.id

    def _get(self, id: str) -> Workflow:
        wf = self._workflows.get(id)
        if wf is None:
            raise ApiError(f"no workflow {id!r}; create it with a workflow constructor first")
        return wf

    def _steps(self, specs: Any, where: str) -> builtins.list[Step]:
        if specs is None or specs == {}:
            specs = []
        if not isinstance(specs, list):
            raise ApiError(f"workflow {where}: steps must be an array")
        steps = [self._step(spec, f"step{i}", where) for i, spec in enumerate(specs, 1)]
        self._unique(steps, where)
        return steps

    def _unique(self, steps: builtins.list[Step], where: Any) -> None:
        seen: set[str] = set()
        for step in steps:
            if step.name in seen:
                name = where.name if isinstance(where, Workflow) else where
                raise ApiError(f"workflow {name}: two steps are named {step.name!r}")
            seen.add(step.name)

    def _step(self, spec: Any, default_name: str, where: str) -> Step:
        if isinstance(spec, str):
            return Step(name=spec, kind="workflow", target=spec)
        if callable(spec):
            return Step(name=default_name, kind="function", target=spec)
        if not isinstance(spec, dict):
            raise ApiError(
                f"workflow {where}: a step is a function, a workflow id or a table with fn, "
                "agent, tool or workflow"
            )
        unknown = set(spec) - _STEP_KEYS
        if unknown:
            raise ApiError(f"workflow {where}: unknown step settings: {', '.join(sorted(unknown))}")
        targets = [
            k for k in ("fn", "agent", "tool", "workflow", "spell") if spec.get(k) is not None
        ]
        if len(targets) != 1:
            raise ApiError(
                f"workflow {where}: a step table needs exactly one of fn, agent, tool, "
                "workflow, spell"
            )
        kind = targets[0]
        target = spec[kind]
        if kind == "fn" and not callable(target):
            raise ApiError(f"workflow {where}: fn must be a function")
        if kind != "fn" and not isinstance(target, str):
            raise ApiError(f"workflow {where}: {kind} must be a name")
        if kind == "spell":
            target = str(target)
            default_name = Path(target).stem or default_name
        name = spec.get("name") or (target if kind not in ("fn", "spell") else default_name)
        if not isinstance(name, str) or "/" in name:
            raise ApiError(f"workflow {where}: a step's name is a string without '/'")
        compensate = spec.get("compensate")
        if compensate is not None and not callable(compensate):
            raise ApiError(f"workflow {where}: compensate must be a function")
        arguments = spec.get("arguments", spec.get("params"))
        if arguments is not None and not (isinstance(arguments, dict) or callable(arguments)):
            raise ApiError(f"workflow {where}: arguments must be a table or a function")

        return Step(
            name=name,
            kind="function" if kind == "fn" else kind,
            target=target,
            arguments=arguments,
            input=spec.get("input"),
            output=spec.get("output"),
            on_error=self._policy(spec["on_error"], where) if "on_error" in spec else None,
            compensate=compensate,
        )

    def _policy(self, spec: Any, where: str) -> ErrorPolicy:
        if spec in ("fail", "continue"):
            return ErrorPolicy(mode=spec)
        if isinstance(spec, dict):
            unknown = set(spec) - {"retry", "backoff", "fallback"}
            if unknown or not spec:
                raise ApiError(f"workflow {where}: on_error takes retry, backoff, fallback")
            retries = spec.get("retry", 0)
            if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
                raise ApiError(f"workflow {where}: retry must be a whole number ≥ 0")
            backoff = spec.get("backoff", 0)
            if not isinstance(backoff, int | float) or isinstance(backoff, bool) or backoff < 0:
                raise ApiError(f"workflow {where}: backoff must be a number of seconds ≥ 0")
            fallback = spec.get("fallback")
            return ErrorPolicy(
                mode="fallback" if fallback is not None else "retry",
                retries=retries,
                backoff=float(backoff),
                fallback=self._step(fallback, "fallback", where) if fallback is not None else None,
            )
        raise ApiError(
            f"workflow {where}: on_error is 'fail', 'continue', {{retry = n, backoff = s}} "
            "or {fallback = step}"
        )

    def _describe(
        self,
        wf: Workflow,
        path: str,
        parent: str | None,
        nodes: builtins.list[dict[str, Any]],
        edges: builtins.list[dict[str, Any]],
        depth: int,
    ) -> None:
        if depth > MAX_DEPTH:
            raise ApiError(f"workflows nested deeper than {MAX_DEPTH} levels (a cycle?)")
        nodes.append(
            {"id": path, "name": wf.name, "kind": "workflow", "type": wf.kind, "parent": parent}
        )
        children: builtins.list[tuple[Step, str]] = []
        if wf.kind == "conditional":
            for condition, step in wf.branches:
                label = "function" if callable(condition) else _describe_condition(condition)
                children.append((step, label))
            if wf.default is not None:
                children.append((wf.default, "default"))
        else:
            children = [(step, wf.kind) for step in wf.steps]
        previous: str | None = None
        for step, label in children:
            node = f"{path}/{step.name}"
            if step.kind == "workflow":
                self._describe(self._get(step.target), node, path, nodes, edges, depth + 1)
                for n in nodes:
                    if n["id"] == node:
                        n["name"] = step.name
            else:
                nodes.append(
                    {
                        "id": node,
                        "name": step.name,
                        "kind": step.kind,
                        "target": step.target if isinstance(step.target, str) else None,
                        "parent": path,
                    }
                )
            if wf.kind == "sequential" or (wf.kind == "loop" and len(wf.steps) > 1):
                edges.append({"from": previous or path, "to": node, "kind": "next"})
                previous = node
            else:
                edges.append({"from": path, "to": node, "kind": label})

    # -- running ----------------------------------------------------------------------------

    def _workflow(
        self, wf: Workflow, state: dict[str, Any], run: _Run, path: str, depth: int
    ) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise ApiError(f"workflows nested deeper than {MAX_DEPTH} levels (a cycle?)")
        with self._trace.span(
            f"invoke_workflow {wf.name}",
            {"llmspell.workflow.type": wf.kind, "llmspell.workflow.id": wf.id},
        ):
            if wf.kind == "sequential":
                for index, step in enumerate(wf.steps):
                    if depth == 0 and index < run.resumed_steps:
                        self._skipped(step, wf, path, f"done in run {run.resumed_from}")
                        continue
                    state = self._run_step(step, wf, state, run, path, depth)
            elif wf.kind == "parallel":
                state = self._parallel(wf, state, run, path, depth)
            elif wf.kind == "conditional":
                state = self._conditional(wf, state, run, path, depth)
            else:
                state = self._loop(wf, state, run, path, depth)
        return state

    def _parallel(
        self, wf: Workflow, state: dict[str, Any], run: _Run, path: str, depth: int
    ) -> dict[str, Any]:
        runner = self._ctx.branches
        concurrent = runner is not None and len(wf.steps) > 1 and wf.max_concurrency != 1
        trace = self._trace

        def branch(step: Step) -> Callable[[], dict[str, Any]]:
            def run_branch() -> dict[str, Any]:
                if concurrent:
                    trace.enter_lane()
                return self._run_step(step, wf, dict(copy_data(state)), run, path, depth)

            return run_branch

        thunks = [branch(step) for step in wf.steps]
        if concurrent:
            outcomes = runner.run(thunks, wf.max_concurrency)
            failure = first_failure(outcomes)
            if failure is not None:
                raise failure
            ends = [o[1] for o in outcomes if o is not None]
        else:
            ends = [thunk() for thunk in thunks]
        results: dict[str, dict[str, Any]] = {}
        for step, branch_state in zip(wf.steps, ends, strict=True):
            results[step.name] = {
                k: v for k, v in branch_state.items() if k not in state or state[k] != v
            }
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
        return _merge(state, updates, f"{path} (merge function)")

    def _conditional(
        self, wf: Workflow, state: dict[str, Any], run: _Run, path: str, depth: int
    ) -> dict[str, Any]:
        chosen: Step | None = None
        for condition, step in wf.branches:
            if chosen is None and _holds(condition, state):
                chosen = step
            else:
                self._skipped(step, wf, path, "not chosen")
        if chosen is None:
            chosen = wf.default
        elif wf.default is not None:
            self._skipped(wf.default, wf, path, "not chosen")
        if chosen is None:
            return state
        return self._run_step(chosen, wf, state, run, path, depth)

    def _loop(
        self, wf: Workflow, state: dict[str, Any], run: _Run, path: str, depth: int
    ) -> dict[str, Any]:
        if wf.times is not None or wf.over is not None:
            count = wf.times if wf.times is not None else len(wf.over or [])
            if count > wf.max_iterations:
                raise ApiError(
                    f"loop {wf.name}: {count} iterations asked, more than its max_iterations "
                    f"({wf.max_iterations})"
                )
        iteration = 0
        while True:
            if wf.times is not None and iteration >= wf.times:
                break
            if wf.over is not None:
                if iteration >= len(wf.over):
                    break
                state = {**state, wf.item_key: wf.over[iteration], "index": iteration + 1}
            if wf.condition is not None and not _holds(wf.condition, state):
                break
            iteration += 1
            if iteration > wf.max_iterations:
                raise ApiError(
                    f"loop {wf.name} reached its max_iterations ({wf.max_iterations}) and its "
                    "condition still holds"
                )
            run.iteration[path] = iteration
            for step in wf.steps:
                state = self._run_step(step, wf, state, run, path, depth)
        run.iteration.pop(path, None)
        return state

    def _run_step(
        self, step: Step, wf: Workflow, state: dict[str, Any], run: _Run, path: str, depth: int
    ) -> dict[str, Any]:
        ctx = self._ctx
        ctx.check_deadline()
        node = f"{path}/{step.name}"
        # The debugger's stop before the step (docs/debugging.md): it may skip the step, edit
        # the state it receives, or ask to stop after it (`stop_after`), where it may re-run it.
        stop: dict[str, Any] = {"step": node, "name": step.name, "kind": step.kind, "state": state}
        ctx.semantic_stop("step", step.name, f"before step {step.name}", stop)
        if stop.get("skip"):
            self._skipped(step, wf, path, "skipped from the debugger")
            return state
        state = stop["state"]
        before = self._hooks.run(
            "before_workflow_step",
            {"workflow": wf.id, "step": step.name, "node": node, "state": state},
        )
        if before.cancelled:
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
        if depth == 0 and run.root == wf.id and wf.kind != "parallel":
            self._checkpoint(run, node, new_state)
        return new_state

    def _perform(
        self,
        step: Step,
        wf: Workflow,
        state: dict[str, Any],
        run: _Run,
        node: str,
        depth: int,
        record: dict[str, Any],
    ) -> tuple[dict[str, Any], str | None]:
        """Run the step with its error policy: (new state, error recovered from or None)."""
        ctx = self._ctx
        ctx.emit("workflow.step", {**record, "status": "running"})
        started = time.perf_counter()
        policy = step.on_error or wf.on_error or _FAIL
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
                {**record, "status": "failed", "error": str(exc), "duration_ms": _ms(started)},
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
                "duration_ms": _ms(started),
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
        run: _Run,
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
        self, step: Step, state: dict[str, Any], run: _Run, node: str, depth: int
    ) -> dict[str, Any]:
        if step.kind == "function":
            return _merge(state, step.target(copy_data(state)), node)
        if step.kind == "workflow":
            token = _PATH.set(node)
            try:
                return self._workflow(self._get(step.target), state, run, node, depth + 1)
            finally:
                _PATH.reset(token)
        if step.kind == "tool":
            arguments = step.arguments
            if callable(arguments):
                arguments = arguments(copy_data(state))
            arguments = _resolve(arguments or {}, state)
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
                _resolve(params or {}, state),
                node,
            )
            return _merge(state, updates, node)
        # agent
        message: Any = state if step.input is None else _lookup(state, step.input)
        answer = self._agent().run(step.target, message)
        return {**state, step.output or step.name: answer["text"]}

    def _skipped(self, step: Step, wf: Workflow, path: str, reason: str) -> None:
        self._ctx.emit(
            "workflow.step",
            {"workflow": wf.id, "node": f"{path}/{step.name}", "step": step.name,
             "kind": step.kind, "status": "skipped", "reason": reason},
        )  # fmt: skip

    def _compensate(self, run: _Run, state: dict[str, Any]) -> None:
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
                     "error": str(exc), "duration_ms": _ms(started)},
                )  # fmt: skip
                continue
            self._ctx.emit(
                "workflow.step",
                {"node": node, "step": step.name, "status": "compensated",
                 "duration_ms": _ms(started)},
            )  # fmt: skip

    def _checkpoint(self, run: _Run, node: str, state: dict[str, Any]) -> None:
        """After a top-level step: the last step done, how many are done, and the state."""
        run.done += 1
        checkpoint = {"step": node, "completed": run.done, "state": state}
        try:
            self._state.set(f"workflow.{run.root}.checkpoint", checkpoint, "run")
        except ApiError as exc:
            # A state holding something JSON cannot keep (a function): no checkpoint.
            self._ctx.emit(
                "workflow.checkpoint", {"workflow": run.root, "saved": False, "reason": str(exc)}
            )


# The node a step runs in, for a workflow.run called from inside that step (per branch).
_PATH: ContextVar[str] = ContextVar("llmspell_workflow_path", default="")


@dataclass
class _Run:
    root: str
    done: int = 0
    compensations: list[tuple[Step, str]] = field(default_factory=list)
    # A resumed run (`llmspell run --resume`): the run it goes on from, and how many of the
    # top-level steps were done there.
    resumed_from: str | None = None
    resumed_steps: int = 0
    iteration: dict[str, int] = field(default_factory=dict)


_FAIL = ErrorPolicy()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _merge(state: dict[str, Any], updates: Any, where: str) -> dict[str, Any]:
    if updates is None:
        return state
    if updates == []:
        return state
    if not isinstance(updates, dict):
        raise ApiError(f"step {where} returned a {type(updates).__name__}: a step returns a "
                       "table of updates or nil")  # fmt: skip
    return {**state, **updates}


def _lookup(state: Any, path: str) -> Any:
    value = state
    for part in str(path).split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and 0 < int(part) <= len(value):
            value = value[int(part) - 1]
        else:
            return None
    return value


def _resolve(value: Any, state: dict[str, Any]) -> Any:
    """Tool arguments: a string "$path" is replaced by the state's value at that path."""
    if isinstance(value, str) and value.startswith("$") and len(value) > 1:
        return _lookup(state, value[1:])
    if isinstance(value, dict):
        return {k: _resolve(v, state) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, state) for v in value]
    return value


def _check_condition(condition: Any, where: str) -> None:
    if callable(condition):
        return
    if not isinstance(condition, dict):
        raise ApiError(f"{where}: a condition is a function or a table {{path, op, value}}")
    for key in ("all", "any"):
        if key in condition:
            parts = condition[key]
            if not isinstance(parts, list):
                raise ApiError(f"{where}: {key} takes an array of conditions")
            for part in parts:
                _check_condition(part, where)
            return
    if "not" in condition:
        _check_condition(condition["not"], where)
        return
    if not isinstance(condition.get("path"), str):
        raise ApiError(f"{where}: a condition table needs a path")
    op = condition.get("op", "==" if "value" in condition else "exists")
    if op not in _OPS:
        raise ApiError(f"{where}: unknown op {op!r}; use one of {' '.join(_OPS)}")


def _holds(condition: Any, state: dict[str, Any]) -> bool:
    if callable(condition):
        answer = condition(copy_data(state))
        return answer is not None and answer is not False
    if "all" in condition:
        return all(_holds(c, state) for c in condition["all"])
    if "any" in condition:
        return any(_holds(c, state) for c in condition["any"])
    if "not" in condition:
        return not _holds(condition["not"], state)
    actual = _lookup(state, condition["path"])
    expected = condition.get("value")
    op = condition.get("op", "==" if "value" in condition else "exists")
    if op == "exists":
        return actual is not None
    if op == "not_exists":
        return actual is None
    if op == "==":
        return bool(actual == expected)
    if op in ("~=", "!="):
        return bool(actual != expected)
    if op == "contains":
        return isinstance(actual, str | list | dict) and expected in actual
    if op == "in":
        return isinstance(expected, str | list | dict) and actual in expected
    try:
        if op == ">":
            return bool(actual > expected)
        if op == ">=":
            return bool(actual >= expected)
        if op == "<":
            return bool(actual < expected)
        return bool(actual <= expected)
    except TypeError:
        return False


def _describe_condition(condition: dict[str, Any]) -> str:
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        return f" {key} ".join(_describe_condition(c) for c in condition[key])
    if "not" in condition:
        return f"not ({_describe_condition(condition['not'])})"
    op = condition.get("op", "==" if "value" in condition else "exists")
    if op in ("exists", "not_exists"):
        return f"{condition['path']} {op}"
    return f"{condition['path']} {op} {condition.get('value')!r}"
