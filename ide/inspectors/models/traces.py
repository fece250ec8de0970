"""The Traces inspector's model: the span tree of a run, with durations, tokens and cost.

Built from `span.start` / `span.end` records (and `run.start` / `run.end` for the root), so a
span is in the tree from the moment it starts and shown as running until it ends. Each span's
own tokens and cost (OpenTelemetry GenAI attributes) roll up into every ancestor when it ends:
O(depth) per span. Views follow two append-only lists: `nodes` (in start order, which for
nested spans is also tree order) and `ended` (spans in the order they ended).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ide.inspectors.models.base import RecordLike, RecordModel

IN_TOKENS = "gen_ai.usage.input_tokens"
OUT_TOKENS = "gen_ai.usage.output_tokens"
COST = "gen_ai.usage.cost"
ROOT_KEY = "run"


@dataclass(eq=False)
class SpanNode:
    """One span (or the run itself, the root). Totals include the span's own usage."""

    key: str
    name: str
    start_ts: float
    parent: SpanNode | None = None
    end_ts: float | None = None
    duration: float | None = None
    status: str = "running"
    attributes: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    children: list[SpanNode] = field(default_factory=list)
    row: int = 0  # position among its parent's children
    order: int = 0  # position in TracesModel.nodes (start order)
    depth: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    total_input_tokens: int = 0
    total_output_tokens: int = 0
    total_cost: float = 0.0

    @property
    def running(self) -> bool:
        return self.end_ts is None

    @property
    def kind(self) -> str:
        """`run`, `llm`, `tool`, `agent`, `workflow` or `span` (from the GenAI naming)."""
        if self.key == ROOT_KEY:
            return "run"
        op = str(self.attributes.get("gen_ai.operation.name") or self.name.split(" ", 1)[0])
        return {
            "chat": "llm",
            "text_completion": "llm",
            "generate_content": "llm",
            "execute_tool": "tool",
            "invoke_agent": "agent",
            "create_agent": "agent",
        }.get(op, "workflow" if op.startswith("workflow") else "span")

    @property
    def total_tokens(self) -> int:
        return self.total_input_tokens + self.total_output_tokens

    def elapsed(self, now: float) -> float:
        """Duration so far: the recorded duration once ended, else up to `now`."""
        if self.duration is not None:
            return self.duration
        end = self.end_ts if self.end_ts is not None else now
        return max(0.0, end - self.start_ts)

    def path(self) -> list[SpanNode]:
        """The spans from the root down to this one."""
        chain: list[SpanNode] = []
        node: SpanNode | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


def _number(value: Any) -> float:
    return float(value) if type(value) is float or type(value) is int else 0.0


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class TracesModel(RecordModel):
    """`root` (the run), `nodes` in start order, `ended` in end order, `by_key` lookups."""

    KINDS = ("run.start", "run.end", "span.start", "span.end")

    def __init__(self) -> None:
        super().__init__()
        self.reset(notify=False)

    def reset(self, notify: bool = True) -> None:
        self.root: SpanNode | None = None
        self.nodes: list[SpanNode] = []
        self.ended: list[SpanNode] = []
        self.by_key: dict[str, SpanNode] = {}
        self.last_ts: float | None = None
        if notify:
            self._notify()

    # -- feeding -----------------------------------------------------------------------------

    def add(self, record: RecordLike) -> None:
        """Take one run.start, run.end, span.start or span.end record."""
        kind, data = record.kind, record.data
        self.last_ts = record.ts
        if kind == "span.start":
            self._start(record)
        elif kind == "span.end":
            self._end(record)
        elif kind == "run.start":
            root = self._root(record.ts)
            root.name = f"run {data.get('spell', '')}".rstrip()
            root.start_ts = record.ts
            root.attributes = {"engine": data.get("engine"), "params": data.get("params")}
        elif kind == "run.end":
            self._end_run(record)

    def _root(self, ts: float) -> SpanNode:
        if self.root is None:
            self.root = SpanNode(ROOT_KEY, "run", ts, order=len(self.nodes))
            self.by_key[ROOT_KEY] = self.root
            self.nodes.append(self.root)
        return self.root

    def _start(self, record: RecordLike) -> None:
        data = record.data
        root = self._root(record.ts)
        key = f"{data.get('id')}"
        parent_key = data.get("parent")
        parent = self.by_key.get(f"{parent_key}") if parent_key is not None else None
        parent = parent or root
        node = SpanNode(
            key,
            str(data.get("name", "")),
            record.ts,
            parent=parent,
            attributes=dict(data.get("attributes") or {}),
            row=len(parent.children),
            order=len(self.nodes),
            depth=parent.depth + 1,
        )
        parent.children.append(node)
        self.by_key[key] = node
        self.nodes.append(node)

    def _end(self, record: RecordLike) -> None:
        data = record.data
        node = self.by_key.get(f"{data.get('id')}")
        if node is None:  # its start was never seen: take the end as the whole span
            self._start(record)
            node = self.by_key[f"{data.get('id')}"]
            duration = _number(data.get("duration"))
            node.start_ts = record.ts - duration
        node.end_ts = record.ts
        node.duration = _number(data.get("duration"))
        node.status = str(data.get("status", "ok"))
        node.error = data.get("error")
        node.attributes.update(data.get("attributes") or {})
        attrs = node.attributes
        d_in = int(_number(attrs.get(IN_TOKENS))) - node.input_tokens
        d_out = int(_number(attrs.get(OUT_TOKENS))) - node.output_tokens
        d_cost = _number(attrs.get(COST)) - node.cost
        node.input_tokens += d_in
        node.output_tokens += d_out
        node.cost += d_cost
        if d_in or d_out or d_cost:
            up: SpanNode | None = node
            while up is not None:
                up.total_input_tokens += d_in
                up.total_output_tokens += d_out
                up.total_cost += d_cost
                up = up.parent
        self.ended.append(node)

    def _end_run(self, record: RecordLike) -> None:
        root = self._root(record.ts)
        for node in self.nodes:
            if node.end_ts is None and node is not root:
                node.end_ts = record.ts
                node.status = "unfinished"
                self.ended.append(node)
        root.end_ts = record.ts
        root.duration = _number(record.data.get("duration")) or (record.ts - root.start_ts)
        root.status = str(record.data.get("status", "ok"))
        error = record.data.get("error")
        root.error = error.get("message") if isinstance(error, dict) else error
        self.ended.append(root)

    # -- reading -----------------------------------------------------------------------------

    @property
    def start_ts(self) -> float:
        return self.root.start_ts if self.root is not None else 0.0

    def end_ts(self, now: float | None = None) -> float:
        """The right edge of the waterfall: the run's end, or `now` while it runs."""
        if self.root is None:
            return 0.0
        if self.root.end_ts is not None:
            return self.root.end_ts
        return max(now or 0.0, self.last_ts or self.root.start_ts)

    def detail(self, node: SpanNode) -> dict[str, Any]:
        """What a detail view shows for a span: request, response, tool call, attributes."""
        attrs = node.attributes
        result: dict[str, Any] = {
            "name": node.name,
            "kind": node.kind,
            "status": node.status,
            "duration": node.duration,
            "tokens": {"input": node.input_tokens, "output": node.output_tokens},
            "cost": node.cost,
            "totals": {
                "input_tokens": node.total_input_tokens,
                "output_tokens": node.total_output_tokens,
                "cost": node.total_cost,
            },
            "attributes": attrs,
        }
        if node.error:
            result["error"] = node.error
        if "llmspell.request.messages" in attrs:
            result["messages"] = _json_or_text(attrs["llmspell.request.messages"])
        if "llmspell.response.text" in attrs:
            result["response"] = attrs["llmspell.response.text"]
        if "llmspell.response.tool_calls" in attrs:
            result["tool_calls"] = _json_or_text(attrs["llmspell.response.tool_calls"])
        if "gen_ai.request.model" in attrs:
            result["model"] = attrs["gen_ai.request.model"]
        if "llmspell.time_to_first_chunk" in attrs:
            result["time_to_first_chunk"] = attrs["llmspell.time_to_first_chunk"]
        if "gen_ai.tool.name" in attrs:
            result["tool"] = attrs["gen_ai.tool.name"]
        if "gen_ai.tool.call.arguments" in attrs:
            result["arguments"] = _json_or_text(attrs["gen_ai.tool.call.arguments"])
        if "gen_ai.tool.call.result" in attrs:
            result["result"] = _json_or_text(attrs["gen_ai.tool.call.result"])
        return result
