"""Where each node of the workflow graph goes: plain geometry, no Qt, so it is tested alone.

A workflow is a box (a group) holding its steps: a sequential workflow or a loop stacks them
top to bottom, a parallel or conditional one puts its branches side by side, under a fork from
its header (and a conditional labels each branch with its condition). A loop has a back edge
on its right. A collapsed group is drawn as one node. Top-level workflows stack top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ide.inspectors.models.workflow import WorkflowModel

NODE_W, NODE_H = 190, 50
GROUP_MIN_W = 270  # room for a group's header: name, type, iterations, duration
GAP_Y = 30  # between steps one after another
GAP_X = 22  # between branches side by side
PAD = 12  # inside a group's border
HEADER = 26  # a group's title
FORK = 30  # between a group's header and its branches (room for the condition labels)
LOOP_SIDE = 26  # room on a loop's right for the back edge
ROOT_GAP = 40

Point = tuple[float, float]


@dataclass(slots=True)
class Box:
    id: str
    x: float
    y: float
    w: float
    h: float
    group: bool  # drawn as a container (an expanded workflow)

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(slots=True)
class Edge:
    points: list[Point]
    kind: str  # next, fork, join, loop
    label: str | None = None
    arrow: bool = True
    to: str | None = None  # the node it leads to


@dataclass(slots=True)
class Layout:
    boxes: dict[str, Box] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def layout(model: WorkflowModel, collapsed: set[str] | frozenset[str] = frozenset()) -> Layout:
    """Boxes and edges for every root of `model`; groups in `collapsed` are single nodes."""
    result = Layout()
    sizes: dict[str, tuple[float, float]] = {}
    measured = [(root, *_measure(model, root, collapsed, sizes)) for root in model.roots]
    result.width = max((w for _, w, _ in measured), default=0.0)
    y = 0.0
    for root, w, h in measured:
        _place(model, root, (result.width - w) / 2, y, collapsed, sizes, result)
        y += h + ROOT_GAP
    result.height = max(0.0, y - ROOT_GAP)
    return result


def _expanded(model: WorkflowModel, node_id: str, collapsed: set[str] | frozenset[str]) -> bool:
    node = model.nodes[node_id]
    return node.is_group and bool(node.children) and node_id not in collapsed


def _side_by_side(model: WorkflowModel, node_id: str) -> bool:
    return model.nodes[node_id].type in ("parallel", "conditional")


def _measure(
    model: WorkflowModel,
    node_id: str,
    collapsed: set[str] | frozenset[str],
    sizes: dict[str, tuple[float, float]],
) -> tuple[float, float]:
    if not _expanded(model, node_id, collapsed):
        sizes[node_id] = (NODE_W, NODE_H)
        return sizes[node_id]
    children = [_measure(model, c, collapsed, sizes) for c in model.nodes[node_id].children]
    if _side_by_side(model, node_id):
        w = sum(c[0] for c in children) + GAP_X * (len(children) - 1) + 2 * PAD
        h = HEADER + FORK + max(c[1] for c in children) + GAP_Y / 2 + PAD
    else:
        side = LOOP_SIDE if model.nodes[node_id].type == "loop" else 0
        w = max(c[0] for c in children) + 2 * PAD + 2 * side
        h = HEADER + GAP_Y / 2 + sum(c[1] for c in children) + GAP_Y * (len(children) - 1) + PAD
        if side:
            h += GAP_Y / 2
    sizes[node_id] = (max(w, GROUP_MIN_W), h)
    return sizes[node_id]


def _place(
    model: WorkflowModel,
    node_id: str,
    x: float,
    y: float,
    collapsed: set[str] | frozenset[str],
    sizes: dict[str, tuple[float, float]],
    out: Layout,
) -> None:
    w, h = sizes[node_id]
    expanded = _expanded(model, node_id, collapsed)
    box = Box(node_id, x, y, w, h, expanded)
    out.boxes[node_id] = box
    if not expanded:
        return
    node = model.nodes[node_id]
    top = y + HEADER
    if _side_by_side(model, node_id):
        widths = sum(sizes[c][0] for c in node.children) + GAP_X * (len(node.children) - 1)
        cx = x + (w - widths) / 2
        fork_y = top + FORK * 0.35
        join_y = y + h - PAD / 2
        for child in node.children:
            cw, ch = sizes[child]
            _place(model, child, cx, top + FORK, collapsed, sizes, out)
            mid = cx + cw / 2
            label = model.nodes[child].label
            out.edges.append(
                Edge(
                    [(box.centre_x, top), (box.centre_x, fork_y), (mid, fork_y), (mid, top + FORK)],
                    "fork",
                    label,
                    to=child,
                )
            )
            out.edges.append(
                Edge(
                    [(mid, top + FORK + ch), (mid, join_y), (box.centre_x, join_y)],
                    "join",
                    arrow=False,
                )
            )
            cx += cw + GAP_X
        return
    cy = top + GAP_Y / 2
    previous: Box | None = None
    for child in node.children:
        cw, ch = sizes[child]
        _place(model, child, x + (w - cw) / 2, cy, collapsed, sizes, out)
        current = out.boxes[child]
        start = (previous.centre_x, previous.bottom) if previous else (box.centre_x, top)
        out.edges.append(Edge([start, (current.centre_x, current.y)], "next", to=child))
        previous = current
        cy += ch + GAP_Y
    if node.type == "loop" and previous is not None:
        first = out.boxes[node.children[0]]
        right = x + w - LOOP_SIDE
        low = previous.bottom + GAP_Y / 4
        high = first.y - GAP_Y / 4
        out.edges.append(
            Edge(
                [
                    (previous.centre_x + NODE_W / 4, previous.bottom),
                    (previous.centre_x + NODE_W / 4, low),
                    (right, low),
                    (right, high),
                    (first.centre_x + NODE_W / 4, high),
                    (first.centre_x + NODE_W / 4, first.y),
                ],
                "loop",
                "repeat",
                to=node.children[0],
            )
        )
