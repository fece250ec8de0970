"""Building workflows: the `workflow` constructors' checks, from a spell's config tables to
`Workflow` and `Step` (engines/api/workflow_model.py), and the definition (nodes and edges of
the whole tree) recorded once per top-level run for the graph.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from engines.api.workflow_model import MAX_DEPTH, MERGES, ErrorPolicy, Step, Workflow
from engines.api.workflow_values import check_condition, describe_condition
from engines.errors import ApiError

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


class WorkflowBuilder:
    """The constructors and the workflows built so far (by id)."""

    def __init__(self) -> None:
        self._workflows: dict[str, Workflow] = {}
        self._counter = 0

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
            check_condition(branch["when"], f"workflow {wf.name} branch {index}")
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
            check_condition(condition, f"workflow {wf.name}")
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
                label = "function" if callable(condition) else describe_condition(condition)
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
