"""The Workflow inspector's model: the graph of each workflow a spell runs, and each step's
executions with their status, duration and state diff.

Fed by `workflow.definition` (the nodes and edges of a top-level workflow, once when it starts),
`workflow.step` (a step running, retrying, done, failed, skipped, compensated), `workflow.conflict`
(two parallel branches wrote one key), the `state` records of the per-step checkpoints
(`workflow.<id>.checkpoint`, the whole state after each top-level step) and `run.end`.
A step that runs in a loop has one execution per iteration; a node the definition did not name
(a workflow run from inside a step function) is added when its first record arrives.

The debugger adds what records cannot carry: where the spell is paused (`set_paused`) and the
state a step received (`stop_state`). Feeding is O(1) per record; inputs and outputs are rebuilt
on demand (`workflow_flow.step_io`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ide.inspectors.models.base import RecordLike, RecordModel

STATUSES = ("pending", "running", "retrying", "done", "failed", "skipped", "compensated")
GROUP_TYPES = ("sequential", "parallel", "conditional", "loop")
_LAYOUT_KINDS = ("next", "parallel", "loop", "sequential", "conditional")


@dataclass(slots=True)
class Execution:
    """One run of a step: one per loop iteration, one for a step outside loops."""

    seq: int
    ts: float
    status: str  # running, retrying, done, failed, skipped
    iteration: int | None = None
    end_ts: float | None = None
    duration_ms: float | None = None
    diff: list[dict[str, Any]] | None = None
    error: str | None = None
    reason: str | None = None  # why it was skipped
    attempts: int = 1
    retries: list[dict[str, Any]] = field(default_factory=list)  # {attempt, error}
    recovered_by: str | None = None  # continue or fallback
    compensation: str | None = None  # compensated or compensation_failed
    input: Any = None  # the state the debugger saw when it stopped before this step
    checkpoint: Any = None  # the whole state after it (top-level steps only)
    order: int = -1  # its place in the model's timeline

    @property
    def finished(self) -> bool:
        return self.status not in ("running", "retrying")

    @property
    def shown_status(self) -> str:
        return "compensated" if self.compensation == "compensated" else self.status


@dataclass(slots=True)
class WorkflowNode:
    """A step or a workflow of the graph (a workflow is a group holding its steps)."""

    id: str  # the path: root/step/substep
    name: str
    kind: str  # workflow, function, tool, agent, step (not in a definition)
    type: str | None = None  # a workflow's type: sequential, parallel, conditional, loop
    parent: str | None = None
    target: str | None = None  # a tool's or an agent's name
    label: str | None = None  # a conditional branch's condition, or "default"
    children: list[str] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    dynamic: bool = False  # added from a record, not from a definition
    version: int = 0  # bumped on every change of its executions
    # Kept as records arrive, so reading them costs nothing however many iterations ran.
    ran: int = 0  # executions started (skips not counted)
    total_ms: float | None = None  # the sum of the finished executions' durations
    first_ts: float | None = None  # the first start of anything under it
    last_end: float | None = None  # the last end of anything under it

    @property
    def is_group(self) -> bool:
        return self.kind == "workflow" or bool(self.children)

    @property
    def last(self) -> Execution | None:
        return self.executions[-1] if self.executions else None


class WorkflowModel(RecordModel):
    """`nodes` by id, `roots` in the order the workflows started, the executions of each node
    in `timeline` order, and where the debugger is paused (`paused`)."""

    KINDS = ("workflow.definition", "workflow.step", "workflow.conflict", "state", "run.end")

    def __init__(self) -> None:
        super().__init__()
        self.reset(notify=False)

    def reset(self, notify: bool = True) -> None:
        self.nodes: dict[str, WorkflowNode] = {}
        self.roots: list[str] = []
        self.timeline: list[tuple[str, int]] = []  # (node, execution index) as they started
        self.stop_states: dict[str, Any] = {}  # node -> state at a debugger stop before it
        self.paused: str | None = None
        self.paused_after = False  # paused after the step `paused` (not before it)
        self.run_status: str | None = None
        self.structure_version = 0  # bumped when nodes are added or removed
        self.replays: dict[str, Any] = {}  # workflow_flow's replays, per top-level workflow
        self.version = 0  # bumped on every change
        if notify:
            self._notify()

    # -- feeding -----------------------------------------------------------------------------

    def add(self, record: RecordLike) -> None:
        kind = record.kind
        data = record.data
        if kind == "workflow.step":
            self._step(record, data)
        elif kind == "state":
            path = data.get("path")
            # Only the checkpoints: a cheap test, as every state record passes here.
            if isinstance(path, str) and path.endswith(".checkpoint") and path[:9] == "workflow.":
                self._checkpoint(data.get("new"))
            return
        elif kind == "workflow.definition":
            self._definition(data)
        elif kind == "workflow.conflict":
            node = self._node(str(data.get("node") or ""))
            node.conflicts.append({k: data.get(k) for k in ("key", "branches", "values", "kept")})
            node.version += 1
        elif kind == "run.end":
            self._run_ended(str(data.get("status") or "ended"), record.ts)
        self.version += 1

    def _definition(self, data: dict[str, Any]) -> None:
        specs = [n for n in data.get("nodes") or () if isinstance(n, dict) and n.get("id")]
        if not specs:
            return
        root = str(specs[0]["id"])
        if root in self.nodes:  # the same workflow runs again: a fresh picture of it
            self._remove(root)
            self.timeline = [entry for entry in self.timeline if entry[0] in self.nodes]
            for order, (kept, index) in enumerate(self.timeline):
                self.nodes[kept].executions[index].order = order
        for spec in specs:
            node_id = str(spec["id"])
            parent = spec.get("parent")
            node = WorkflowNode(
                node_id,
                str(spec.get("name") or node_id.rpartition("/")[2]),
                str(spec.get("kind") or "step"),
                spec.get("type"),
                str(parent) if parent is not None else None,
                spec.get("target"),
            )
            self.nodes[node_id] = node
            if node.parent is None:
                self.roots.append(node_id)
            elif node.parent in self.nodes:
                self.nodes[node.parent].children.append(node_id)
        for edge in data.get("edges") or ():
            label = edge.get("kind")
            target = self.nodes.get(str(edge.get("to")))
            if target is not None and label and label not in _LAYOUT_KINDS:
                target.label = str(label)
        self.structure_version += 1

    def _remove(self, node_id: str) -> None:
        node = self.nodes.pop(node_id, None)
        if node is None:
            return
        for child in node.children:
            self._remove(child)
        if node_id in self.roots:
            self.roots.remove(node_id)

    def _node(self, node_id: str) -> WorkflowNode:
        """The node of `node_id`, added (with its missing ancestors) when no definition had it."""
        node = self.nodes.get(node_id)
        if node is not None:
            return node
        parent_id, _, name = node_id.rpartition("/")
        parent = self._node(parent_id) if parent_id else None
        node = WorkflowNode(node_id, name or node_id, "step", dynamic=True)
        if parent is not None:
            node.parent = parent.id
            parent.children.append(node_id)
            if parent.dynamic and parent.type is None:
                parent.kind, parent.type = "workflow", "sequential"
        else:
            self.roots.append(node_id)
        self.nodes[node_id] = node
        self.structure_version += 1
        return node

    def _step(self, record: RecordLike, data: dict[str, Any]) -> None:
        node = self._node(str(data.get("node") or data.get("step") or "?"))
        status = str(data.get("status") or "running")
        last = node.last
        if status in ("running", "skipped"):
            execution = Execution(record.seq, record.ts, status, data.get("iteration"))
            if status == "skipped":
                execution.reason = data.get("reason")
                execution.end_ts = record.ts
            else:
                node.ran += 1
                self._started(node, record.ts)
                if node.id in self.stop_states:
                    execution.input = self.stop_states.pop(node.id)
            execution.order = len(self.timeline)
            node.executions.append(execution)
            self.timeline.append((node.id, len(node.executions) - 1))
        elif last is None:
            return  # an end without a start (records lost): nothing to attach it to
        elif status == "retrying":
            last.status = "retrying"
            last.retries.append({"attempt": data.get("attempt"), "error": data.get("error")})
        elif status in ("compensated", "compensation_failed"):
            last.compensation = status
            if status == "compensation_failed":
                last.error = data.get("error")
        else:  # done or failed
            last.status = status
            last.end_ts = record.ts
            last.duration_ms = data.get("duration_ms")
            if isinstance(last.duration_ms, int | float):
                node.total_ms = (node.total_ms or 0.0) + last.duration_ms
            self._ended(node, record.ts)
            if "diff" in data:
                last.diff = data.get("diff") or []
            last.error = data.get("error", last.error)
            last.attempts = int(data.get("attempts") or 1)
            last.recovered_by = data.get("recovered_by")
        node.version += 1

    def _started(self, node: WorkflowNode, ts: float) -> None:
        current: WorkflowNode | None = node
        while current is not None and current.first_ts is None:
            current.first_ts = ts
            current = self.nodes.get(current.parent) if current.parent else None

    def _ended(self, node: WorkflowNode, ts: float) -> None:
        current: WorkflowNode | None = node
        while current is not None:
            current.last_end = ts
            current = self.nodes.get(current.parent) if current.parent else None

    def _checkpoint(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        node = self.nodes.get(str(value.get("step")))
        if node is not None and node.last is not None:
            node.last.checkpoint = value.get("state")

    def _run_ended(self, status: str, ts: float) -> None:
        """Steps still running when the run ends did not finish: they failed with it."""
        self.run_status = status
        self.paused = None
        for node in self.nodes.values():
            last = node.last
            if last is not None and last.status in ("running", "retrying"):
                last.status = "failed"
                last.end_ts = ts
                last.error = last.error or f"the run ended ({status}) before this step did"
                node.version += 1

    # -- the debugger ------------------------------------------------------------------------

    def set_paused(self, node_id: str | None, state: Any = None, after: bool = False) -> None:
        """The spell stopped before step `node_id` (None: it runs again), with that input;
        or, `after`, just after it ran."""
        self.paused = node_id
        self.paused_after = after and node_id is not None
        if node_id is not None and state is not None and not after:
            self.stop_states[node_id] = state
        self.version += 1
        self._notify()

    # -- reading -----------------------------------------------------------------------------

    def status(self, node_id: str) -> str:
        """The node's status now: its last execution's, or, for a workflow that is not a step
        (a top-level one), what its steps say."""
        node = self.nodes[node_id]
        if node.executions:
            return node.executions[-1].shown_status
        if not node.children:
            return "pending"
        statuses = [self.status(child) for child in node.children]
        if any(s in ("running", "retrying") for s in statuses):
            return "running"
        if "failed" in statuses:
            return "failed"
        if all(s in ("done", "skipped", "compensated") for s in statuses):
            return "compensated" if "compensated" in statuses else "done"
        return "running" if any(s != "pending" for s in statuses) else "pending"

    def duration_ms(self, node_id: str) -> float | None:
        """The time spent in the node: the sum over its executions (a loop body's iterations);
        for a top-level workflow, from its first step's start to its last step's end."""
        node = self.nodes[node_id]
        if node.total_ms is not None:
            return node.total_ms
        if node.executions or node.first_ts is None or node.last_end is None:
            return None
        return max(0.0, (node.last_end - node.first_ts) * 1000)

    def iterations(self, node_id: str) -> int:
        """How many times the step ran (skips not counted)."""
        return self.nodes[node_id].ran

    def counts(self) -> dict[str, int]:
        """How many steps (nodes with a parent) are in each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for node in self.nodes.values():
            if node.parent is not None:
                counts[self.status(node.id)] += 1
        return counts

    def find_step(self, name: str) -> list[str]:
        """The ids of the nodes named `name` (what a `step:NAME` breakpoint stops at)."""
        return [n.id for n in self.nodes.values() if n.name == name and n.parent is not None]

    def walk(self, node_id: str) -> list[str]:
        """`node_id` and everything under it, depth first, in declared order."""
        out = [node_id]
        for child in self.nodes[node_id].children:
            out.extend(self.walk(child))
        return out
