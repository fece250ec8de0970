"""A step's input and output, rebuilt from the records of the steps before it.

Records carry each step's state diff, not the state itself. The state flows like this: a
sequential workflow or a loop hands each step the previous step's output; a parallel or
conditional one hands each branch its own input. So a step's input is found by replaying the
executions in the order they started, applying each diff, from a known start:

- the state the debugger showed when it stopped before a step (exact);
- the checkpoint after a top-level step (the whole state; exact);
- the input of a top-level workflow: its first checkpoint with the first step's diff undone.

A loop over a list also puts `item` and `index` into the state before each iteration; no
record says so, so inside such loops an input rebuilt from diffs lacks them (`exact` is False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ide.inspectors.models.base import json_copy
from ide.inspectors.models.state import split_path
from ide.inspectors.models.workflow import Execution, WorkflowModel

_MISSING = object()


@dataclass(slots=True)
class StepIO:
    input: Any
    output: Any  # None when the step did not finish (running, failed, skipped: its input)
    diff: list[dict[str, Any]] | None
    exact: bool  # the input is known, not partly rebuilt
    source: str  # where the input comes from, for the view


def apply_diff(state: Any, diff: list[dict[str, Any]] | None, undo: bool = False) -> Any:
    """`state` with the diff's changes made (or undone), as a new value."""
    result = json_copy(state) if isinstance(state, dict) else {}
    for entry in diff or ():
        parts = split_path(str(entry.get("path") or ""))
        if not parts:
            continue
        op = entry.get("op")
        if undo:
            op = {"added": "removed", "removed": "added"}.get(str(op), op)
            value = entry.get("old")
        else:
            value = entry.get("new")
        parent = result
        for part in parts[:-1]:
            child = parent.get(part)
            if not isinstance(child, dict):
                child = parent[part] = {}
            parent = child
        if op == "removed":
            parent.pop(parts[-1], None)
        else:
            parent[parts[-1]] = json_copy(value)
    return result


def root_input(model: WorkflowModel, root: str) -> tuple[Any, bool]:
    """The state a top-level workflow started with, and whether it is known."""
    for node_id, index in model.timeline:
        node = model.nodes[node_id]
        if node.parent != root:
            continue
        execution = node.executions[index]
        if execution.input is not None:
            return execution.input, True
        if execution.checkpoint is not None and execution.diff is not None:
            return apply_diff(execution.checkpoint, execution.diff, undo=True), True
        break
    return {}, False


def _root_of(model: WorkflowModel, node_id: str) -> str:
    node = model.nodes[node_id]
    while node.parent is not None:
        node = model.nodes[node.parent]
    return node.id


def step_io(model: WorkflowModel, node_id: str, index: int = -1) -> StepIO | None:
    """The input, output and diff of execution `index` of `node_id` (the last by default);
    None when the step has not run. For a step the debugger is paused before, its input."""
    node = model.nodes.get(node_id)
    if node is None:
        return None
    if not node.executions:
        if node_id in model.stop_states:
            return StepIO(model.stop_states[node_id], None, None, True, "as the debugger shows it")
        return None
    if index < 0:
        index += len(node.executions)
    root = _root_of(model, node_id)
    start, known = root_input(model, root)
    # The state each workflow (a group) holds now, and what each node last received.
    chain: dict[str, tuple[Any, bool]] = {root: (start, known)}
    received: dict[str, tuple[Any, bool]] = {root: (start, known)}
    for entry_id, entry_index in model.timeline:
        entry = model.nodes[entry_id]
        if entry.parent is None or _root_of(model, entry_id) != root:
            continue
        execution = entry.executions[entry_index]
        parent = model.nodes[entry.parent]
        if parent.type in ("parallel", "conditional"):
            given = received.get(parent.id, ({}, False))
        else:
            given = chain.get(parent.id, received.get(parent.id, ({}, False)))
            if parent.type == "loop":
                given = (given[0], False)  # perhaps `item` and `index` too: not recorded
        source = "rebuilt from the diffs of the steps before it"  # or the checkpoints
        if execution.input is not None:
            given, source = (execution.input, True), "as the debugger showed it"
        received[entry_id] = given
        if entry.is_group:
            chain[entry_id] = given
        output = _output(execution, given[0])
        if output is not None and parent.type not in ("parallel", "conditional"):
            chain[parent.id] = (output, given[1] or execution.checkpoint is not None)
        if entry_id == node_id and entry_index == index:
            return StepIO(given[0], output, execution.diff, given[1], source)
    return None


def _output(execution: Execution, given: Any) -> Any:
    if execution.checkpoint is not None:
        return execution.checkpoint
    if execution.status == "skipped":
        return None
    if execution.diff is None:
        return None
    return apply_diff(given, execution.diff)
