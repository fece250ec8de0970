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

from dataclasses import dataclass, field
from typing import Any

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
    """`state` with the diff's changes made (or undone), as a new value.

    The states of a replay are never changed once made, so the new value shares all it did
    not change with `state` (and the values with the records): only the dicts on the changed
    paths are copied, so a step costs the size of its diff, not of the whole state.
    """
    result = dict(state) if isinstance(state, dict) else {}
    copied = {id(result)}
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
                child = {}
            elif id(child) not in copied:
                child = dict(child)
            else:
                parent = child
                continue
            copied.add(id(child))
            parent[part] = child
            parent = child
        if op == "removed":
            parent.pop(parts[-1], None)
        else:
            parent[parts[-1]] = value
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


@dataclass(slots=True)
class _Replay:
    """Where a replay of one top-level workflow's timeline has got to: the state each
    workflow holds now and what each node last received, each with whether it is known."""

    root: str
    start: tuple[Any, bool]
    position: int = 0  # timeline entries done
    chain: dict[str, tuple[Any, bool]] = field(default_factory=dict)
    received: dict[str, tuple[Any, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chain.setdefault(self.root, self.start)
        self.received.setdefault(self.root, self.start)

    def copy(self) -> _Replay:
        return _Replay(self.root, self.start, self.position, dict(self.chain), dict(self.received))


def _replay_for(model: WorkflowModel, root: str) -> _Replay:
    # Kept per root on the model (a reset drops them), moved on over finished steps as they
    # come: following the latest step under a flood costs the new steps only.
    cache: dict[str, tuple[int, _Replay]] = model.replays
    kept = cache.get(root)
    if kept is not None and kept[0] == model.structure_version and kept[1].start[1]:
        return kept[1]
    start = root_input(model, root)
    if kept is not None and kept[0] == model.structure_version and kept[1].start == start:
        return kept[1]
    replay = _Replay(root, start)
    cache[root] = (model.structure_version, replay)
    return replay


def advance(model: WorkflowModel, node_id: str) -> None:
    """Move the kept replay of `node_id`'s workflow on over the steps finished since: called
    as records arrive, it spreads the cost of following the latest step over the batches."""
    node = model.nodes.get(node_id)
    if node is None or not node.executions:
        return
    kept = _replay_for(model, _root_of(model, node_id))
    end = len(model.timeline)
    while kept.position < end and _finished(model, kept.position):
        _play(model, kept, kept.position)
        kept.position += 1


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
    target = node.executions[index].order
    root = _root_of(model, node_id)
    kept = _replay_for(model, root)
    # Move the kept replay on over the steps that have finished (a running one's output is
    # not known yet), then replay the rest of the way on a copy.
    while kept.position < target and _finished(model, kept.position):
        _play(model, kept, kept.position)
        kept.position += 1
    replay = kept.copy() if kept.position <= target else _Replay(root, kept.start)
    found: StepIO | None = None
    while replay.position <= target:
        found = _play(model, replay, replay.position)
        replay.position += 1
    return found


def _finished(model: WorkflowModel, position: int) -> bool:
    node_id, index = model.timeline[position]
    return model.nodes[node_id].executions[index].finished


def _play(model: WorkflowModel, replay: _Replay, position: int) -> StepIO | None:
    """Replay timeline entry `position`: what it received and gave, if in `replay`'s root."""
    entry_id, entry_index = model.timeline[position]
    entry = model.nodes[entry_id]
    if entry.parent is None or _root_of(model, entry_id) != replay.root:
        return None
    execution = entry.executions[entry_index]
    parent = model.nodes[entry.parent]
    chain, received = replay.chain, replay.received
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
    return StepIO(given[0], output, execution.diff, given[1], source)


def _output(execution: Execution, given: Any) -> Any:
    if execution.checkpoint is not None:
        return execution.checkpoint
    if execution.status == "skipped":
        return None
    if execution.diff is None:
        return None
    return apply_diff(given, execution.diff)
