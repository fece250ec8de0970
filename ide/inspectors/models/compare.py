"""Two runs side by side: span trees aligned by name path, and the differences that matter.

Spans are matched by their path of names from the run down, a repeated name among siblings
numbered in order (`chat m#2`), and sibling lists are aligned like lines in a diff, so a span
only one run has leaves a gap on the other side instead of shifting every row after it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ide.inspectors.models.base import RecordLike, as_record
from ide.inspectors.models.traces import SpanNode, TracesModel


@dataclass
class RunSide:
    """What one run contributes: its span tree, printed output, status and totals."""

    run_id: str
    traces: TracesModel
    output: str = ""
    status: str = "running"

    @property
    def duration(self) -> float | None:
        root = self.traces.root
        return None if root is None or root.end_ts is None else root.elapsed(root.end_ts)

    @property
    def tokens(self) -> int:
        return self.traces.root.total_tokens if self.traces.root else 0

    @property
    def cost(self) -> float:
        return self.traces.root.total_cost if self.traces.root else 0.0


def side_of(run_id: str, records: Iterable[RecordLike | dict[str, Any]]) -> RunSide:
    traces = TracesModel()
    out: list[str] = []
    status = "running"
    for raw in records:
        record = as_record(raw)
        if record.kind in TracesModel.KINDS:
            traces.add(record)
        if record.kind == "output":
            out.append(str(record.data.get("text", "")))
        elif record.kind == "run.end":
            status = str(record.data.get("status", "ok"))
    return RunSide(run_id, traces, "".join(out), status)


@dataclass
class CompareRow:
    """One aligned row: the same span path in run A and run B (either may be missing)."""

    path: str
    name: str
    depth: int
    a: SpanNode | None
    b: SpanNode | None

    @staticmethod
    def _get(node: SpanNode | None, attr: str) -> float | None:
        if node is None:
            return None
        if attr == "duration":
            return node.elapsed(node.end_ts or node.start_ts)
        return float(getattr(node, attr))

    def values(self, attr: str) -> tuple[float | None, float | None]:
        """(A, B) of `duration`, `total_tokens` or `total_cost`."""
        return self._get(self.a, attr), self._get(self.b, attr)

    def delta(self, attr: str) -> float | None:
        a, b = self.values(attr)
        return None if a is None or b is None else b - a

    @property
    def status(self) -> str:
        if self.a is None:
            return "only in B"
        if self.b is None:
            return "only in A"
        return "both"


@dataclass
class RunComparison:
    a: RunSide
    b: RunSide
    rows: list[CompareRow] = field(default_factory=list)

    def output_diff(self) -> list[str]:
        """A unified diff of the two runs' printed output (empty when they match)."""
        return list(
            difflib.unified_diff(
                self.a.output.splitlines(),
                self.b.output.splitlines(),
                f"A {self.a.run_id}",
                f"B {self.b.run_id}",
                lineterm="",
            )
        )

    def totals(self) -> dict[str, tuple[Any, Any]]:
        return {
            "status": (self.a.status, self.b.status),
            "duration": (self.a.duration, self.b.duration),
            "tokens": (self.a.tokens, self.b.tokens),
            "cost": (self.a.cost, self.b.cost),
        }


def _keyed(children: list[SpanNode]) -> list[tuple[str, SpanNode]]:
    seen: dict[str, int] = {}
    keyed = []
    for child in children:
        n = seen.get(child.name, 0) + 1
        seen[child.name] = n
        keyed.append((child.name if n == 1 else f"{child.name}#{n}", child))
    return keyed


def _align(
    a: SpanNode | None, b: SpanNode | None, path: str, depth: int, rows: list[CompareRow]
) -> None:
    either = a if a is not None else b
    name = either.name if either is not None else ""
    rows.append(CompareRow(path, name, depth, a, b))
    left = _keyed(a.children) if a else []
    right = _keyed(b.children) if b else []
    keys_a, keys_b = [k for k, _ in left], [k for k, _ in right]
    matcher = difflib.SequenceMatcher(a=keys_a, b=keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for (key, na), (_, nb) in zip(left[i1:i2], right[j1:j2], strict=True):
                _align(na, nb, f"{path}/{key}", depth + 1, rows)
            continue
        for key, na in left[i1:i2]:
            _align(na, None, f"{path}/{key}", depth + 1, rows)
        for key, nb in right[j1:j2]:
            _align(None, nb, f"{path}/{key}", depth + 1, rows)


def compare_runs(a: RunSide, b: RunSide) -> RunComparison:
    """Align the span trees of `a` and `b` (the run roots match each other)."""
    comparison = RunComparison(a, b)
    if a.traces.root is not None or b.traces.root is not None:
        _align(a.traces.root, b.traces.root, "run", 0, comparison.rows)
    return comparison
