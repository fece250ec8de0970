"""The State inspector's model: the spell's state per scope, its changes, and time travel.

Fed by `state` records (`{scope, op, path, old, new, diff}`; `op` is set, update, delete,
restore or snapshot). Keeps the current tree of every scope, the ordered history of changes,
the record seq at which each path last changed, and rebuilds the state as it was at any record
(`state_at(seq)`) by replaying changes from a checkpoint. Feeding is O(size of the record).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from ide.inspectors.models.base import RecordLike, RecordModel, json_copy, short

Trees = dict[str, dict[str, Any]]

# state_at() keeps the trees it replays through every this many changes, so moving a slider
# back and forth replays at most this many changes once the history has been walked once.
CHECKPOINT_EVERY = 512


@dataclass(slots=True)
class StateChange:
    """One `state` record: where it is in the run and what it did."""

    index: int  # position in the history
    seq: int
    ts: float
    scope: str
    op: str
    path: str
    old: Any
    new: Any
    diff: list[dict[str, Any]] = field(default_factory=list)
    label: str | None = None  # snapshots

    def summary(self) -> str:
        """A one-line description: `inventory.apples changed 5 → 2; …`."""
        if self.op == "snapshot":
            return f"snapshot {self.label or ''}".rstrip()
        parts = []
        for entry in self.diff[:4]:
            kind = entry.get("op")
            if kind == "added":
                parts.append(f"+ {entry.get('path')} = {short(entry.get('new'), 40)}")
            elif kind == "removed":
                parts.append(f"- {entry.get('path')} (was {short(entry.get('old'), 40)})")
            else:
                parts.append(
                    f"~ {entry.get('path')}: {short(entry.get('old'), 30)} → "
                    f"{short(entry.get('new'), 30)}"
                )
        if len(self.diff) > 4:
            parts.append(f"… {len(self.diff) - 4} more")
        return "; ".join(parts) if parts else "no change"


def split_path(path: str) -> list[str]:
    return [p for p in path.split(".") if p] if path else []


def apply_change(trees: Trees, change: StateChange) -> None:
    """Apply one change to `trees` in place (values are copied in, never shared)."""
    if change.op == "snapshot":
        return
    tree = trees.setdefault(change.scope, {})
    parts = split_path(change.path)
    if not parts:
        tree.clear()
        if change.op != "delete" and isinstance(change.new, dict):
            tree.update(json_copy(change.new))
        return
    parent = tree
    for part in parts[:-1]:
        child = parent.get(part)
        if not isinstance(child, dict):
            if change.op == "delete":
                return
            child = parent[part] = {}
        parent = child
    if change.op == "delete" or change.new is None:
        parent.pop(parts[-1], None)
    else:
        parent[parts[-1]] = json_copy(change.new)


class ChangeMarks:
    """Which record last changed each path: exactly (a diff entry's path, replacing all under
    it) and rolled up (the path or anything under it)."""

    def __init__(self) -> None:
        self.changed_at: dict[tuple[str, str], int] = {}
        self.exact: dict[tuple[str, str], int] = {}

    def add(self, change: StateChange) -> None:
        scope, seq = change.scope, change.seq
        for entry in change.diff:
            parts = split_path(str(entry.get("path") or ""))
            self.exact[(scope, ".".join(parts))] = seq
            # The path and its ancestors (so a collapsed parent shows that something changed).
            for depth in range(len(parts), -1, -1):
                key = (scope, ".".join(parts[:depth]))
                if self.changed_at.get(key) == seq:
                    break
                self.changed_at[key] = seq

    def last(self, scope: str, path: str) -> int | None:
        """The seq of the last change of `path`: itself, under it, or an ancestor replaced."""
        best = self.changed_at.get((scope, path))
        parts = split_path(path)
        for depth in range(len(parts)):
            seq = self.exact.get((scope, ".".join(parts[:depth])))
            if seq is not None and (best is None or seq > best):
                best = seq
        return best


class StateModel(RecordModel):
    """State per scope (`trees`), history of changes, last change per path, `state_at(seq)`."""

    KINDS = ("state",)

    def __init__(self) -> None:
        super().__init__()
        self.reset(notify=False)

    def reset(self, notify: bool = True) -> None:
        self.trees: Trees = {}
        self.history: list[StateChange] = []
        self._seqs: list[int] = []
        self.marks = ChangeMarks()  # for the live state
        self._checkpoints: dict[int, Trees] = {0: {}}  # history length -> trees then
        if notify:
            self._notify()

    # -- feeding -----------------------------------------------------------------------------

    def add(self, record: RecordLike) -> None:
        """Take one `state` record."""
        data = record.data
        change = StateChange(
            len(self.history),
            record.seq,
            record.ts,
            str(data.get("scope", "run")),
            str(data.get("op", "set")),
            str(data.get("path") or ""),
            data.get("old"),
            data.get("new"),
            list(data.get("diff") or ()),
            data.get("label"),
        )
        self.history.append(change)
        self._seqs.append(record.seq)
        apply_change(self.trees, change)
        self.marks.add(change)

    # -- reading -----------------------------------------------------------------------------

    @property
    def scopes(self) -> list[str]:
        return sorted(self.trees)

    @property
    def last_seq(self) -> int | None:
        return self._seqs[-1] if self._seqs else None

    def last_change(self, scope: str, path: str) -> int | None:
        """The seq of the last record that changed `path` (itself, under it, or an ancestor
        that replaced it); O(depth)."""
        return self.marks.last(scope, path)

    def marks_at_index(self, count: int) -> ChangeMarks:
        """The change marks as they were after the first `count` changes (for time travel)."""
        marks = ChangeMarks()
        for change in self.history[:count]:
            marks.add(change)
        return marks

    def value(self, scope: str, path: str, default: Any = None) -> Any:
        """The current value at `path` in `scope`, or `default` if there is none."""
        node: Any = self.trees.get(scope, {})
        for part in split_path(path):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def changes_since(self, index: int) -> list[StateChange]:
        """The changes from history position `index` on (views keep where they were)."""
        return self.history[index:]

    def index_at(self, seq: int) -> int:
        """How many changes happened at or before record `seq`."""
        return bisect.bisect_right(self._seqs, seq)

    def state_at(self, seq: int) -> Trees:
        """Every scope's tree as it was just after record `seq` (a fresh copy)."""
        return self.state_at_index(self.index_at(seq))

    def state_at_index(self, count: int) -> Trees:
        """The trees after the first `count` changes of the history (a fresh copy)."""
        count = max(0, min(count, len(self.history)))
        if count == len(self.history):
            return json_copy(self.trees)
        base = max(k for k in self._checkpoints if k <= count)
        trees = json_copy(self._checkpoints[base])
        for i in range(base, count):
            apply_change(trees, self.history[i])
            if (i + 1) % CHECKPOINT_EVERY == 0 and (i + 1) not in self._checkpoints:
                self._checkpoints[i + 1] = json_copy(trees)
        return trees
