"""The Workflow pane's drawing: status colours for light and dark themes, a step node, a
workflow group, and the edges between them, as QGraphicsScene items.

Items take their geometry from `models.workflow_layout` and their look from a `NodeLook`
the pane computes from the model, so a status change repaints one item, not the scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ide.inspectors.models.workflow_layout import Box, Edge

# status -> (fill, border, text) per theme; GitHub Primer's tints, which read in both.
COLOURS: dict[bool, dict[str, tuple[str, str, str]]] = {
    False: {
        "pending": ("#f6f8fa", "#8c959f", "#57606a"),
        "running": ("#ddf4ff", "#0969da", "#0a3069"),
        "retrying": ("#fff8c5", "#bf8700", "#7d4e00"),
        "done": ("#dafbe1", "#1a7f37", "#0f5323"),
        "failed": ("#ffebe9", "#cf222e", "#82071e"),
        "skipped": ("#ffffff", "#afb8c1", "#8c959f"),
        "compensated": ("#fbefff", "#8250df", "#512a97"),
    },
    True: {
        "pending": ("#2d333b", "#768390", "#adbac7"),
        "running": ("#143d79", "#539bf5", "#c6e6ff"),
        "retrying": ("#4d3800", "#c69026", "#f2cc60"),
        "done": ("#1b4721", "#57ab5a", "#b4f1b4"),
        "failed": ("#5d0f12", "#e5534b", "#ffd8d3"),
        "skipped": ("#22272e", "#545d68", "#768390"),
        "compensated": ("#3c1e70", "#b083f0", "#e2c5ff"),
    },
}
ICONS = {
    "pending": "○",
    "running": "▶",
    "retrying": "↻",
    "done": "✓",
    "failed": "✗",
    "skipped": "⤼",
    "compensated": "↶",
}
PAUSED = {False: "#d4a72c", True: "#e3b341"}  # the outline of the step the spell is paused at
SELECTED = {False: "#0969da", True: "#539bf5"}
EDGE = {False: "#6e7781", True: "#768390"}
LABEL = {False: "#57606a", True: "#adbac7"}


@dataclass(slots=True)
class NodeLook:
    """What a node shows: its name, status, one line of detail, and whether it is paused."""

    title: str
    status: str
    detail: str
    paused: bool = False
    group_type: str | None = None  # for a group's header
    collapsed: bool = False

    def key(self) -> tuple[object, ...]:
        return (self.title, self.status, self.detail, self.paused, self.collapsed)


class _LookItem(QGraphicsItem):
    """A selectable item of the graph at its layout box, drawn from a `NodeLook`: a change
    of look repaints it (and its tooltip) only when what it shows changed."""

    def __init__(self, node_id: str, box: Box, dark: bool, z: int) -> None:
        super().__init__()
        self.node_id = node_id
        self.box = box
        self.dark = dark
        self.look = NodeLook(node_id, "pending", "")
        self.setPos(box.x, box.y)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setZValue(z)

    def tooltip(self, look: NodeLook) -> str:
        raise NotImplementedError

    def set_look(self, look: NodeLook) -> None:
        if look.key() != self.look.key():
            self.look = look
            self.setToolTip(self.tooltip(look))
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-4, -4, self.box.w + 8, self.box.h + 8)

    def _begin(self, painter: QPainter) -> tuple[tuple[str, str, str], QRectF]:
        """Antialiasing on; the status colours (fill, border, text) and the box to draw."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        return COLOURS[self.dark][self.look.status], QRectF(0, 0, self.box.w, self.box.h)

    def _outline(self, border: str, width: float, paused_width: float | None = None) -> QPen:
        """The box's pen: the paused outline (when `paused_width` says how wide), else the
        selected one, else the status border, dashed for a skipped step."""
        if paused_width is not None and self.look.paused:
            return QPen(QColor(PAUSED[self.dark]), paused_width)
        if self.isSelected():
            return QPen(QColor(SELECTED[self.dark]), 2.5)
        pen = QPen(QColor(border), width)
        if self.look.status == "skipped":
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen


class NodeItem(_LookItem):
    """A step, or a collapsed workflow: a rounded box, filled by status, with two lines."""

    RADIUS = 7

    def __init__(self, node_id: str, box: Box, dark: bool) -> None:
        super().__init__(node_id, box, dark, z=2)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def tooltip(self, look: NodeLook) -> str:
        return f"{look.title}\n{look.status}\n{look.detail}".rstrip()

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        look = self.look
        (fill, border, text), rect = self._begin(painter)
        if look.paused:
            halo = QPen(QColor(PAUSED[self.dark]), 5)
            painter.setPen(halo)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), self.RADIUS + 2, self.RADIUS + 2)
        painter.setPen(self._outline(border, 2 if look.status != "pending" else 1.2))
        painter.setBrush(QBrush(QColor(fill)))
        painter.drawRoundedRect(rect, self.RADIUS, self.RADIUS)
        painter.setPen(QColor(text))
        title_font = QFont(painter.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        metrics = QFontMetrics(title_font)
        prefix = "▸ " if look.collapsed else ""
        icon = ICONS[look.status]
        title = metrics.elidedText(
            f"{icon} {prefix}{look.title}", Qt.TextElideMode.ElideRight, int(self.box.w - 16)
        )
        painter.drawText(QRectF(8, 5, self.box.w - 16, 20), Qt.AlignmentFlag.AlignLeft, title)
        small = QFont(painter.font())
        small.setBold(False)
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        detail = QFontMetrics(small).elidedText(
            look.detail, Qt.TextElideMode.ElideRight, int(self.box.w - 16)
        )
        painter.drawText(QRectF(8, 26, self.box.w - 16, 18), Qt.AlignmentFlag.AlignLeft, detail)


class GroupItem(_LookItem):
    """An expanded workflow: a box around its steps with a header (name, type, status)."""

    def __init__(self, node_id: str, box: Box, dark: bool) -> None:
        super().__init__(node_id, box, dark, z=0)

    def tooltip(self, look: NodeLook) -> str:
        return f"{look.title} ({look.group_type})\n{look.status}\n{look.detail}"

    def shape(self) -> QPainterPath:
        # Only the header takes clicks: the steps inside are items of their own.
        path = QPainterPath()
        path.addRect(QRectF(0, 0, self.box.w, 24))
        return path

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        look = self.look
        (fill, border, text), rect = self._begin(painter)
        background = QColor(fill)
        background.setAlpha(90 if self.dark else 120)
        painter.setPen(self._outline(border, 1.5, paused_width=4))
        painter.setBrush(QBrush(background))
        painter.drawRoundedRect(rect, 9, 9)
        painter.setPen(QColor(text))
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        header = f"▾ {ICONS[look.status]} {look.title} · {look.group_type or 'workflow'}"
        if look.detail:
            header += f" · {look.detail}"
        header = QFontMetrics(font).elidedText(
            header, Qt.TextElideMode.ElideRight, int(self.box.w - 16)
        )
        painter.drawText(QRectF(8, 4, self.box.w - 16, 20), Qt.AlignmentFlag.AlignLeft, header)


def edge_items(edge: Edge, dark: bool) -> list[QGraphicsItem]:
    """A polyline (with an arrowhead at its end) and its label, if any."""
    colour = QColor(EDGE[dark])
    path = QPainterPath(QPointF(*edge.points[0]))
    for point in edge.points[1:]:
        path.lineTo(QPointF(*point))
    items: list[QGraphicsItem] = []
    line = QGraphicsPathItem(path)
    pen = QPen(colour, 1.4)
    if edge.kind == "loop":
        pen.setStyle(Qt.PenStyle.DashLine)
    line.setPen(pen)
    line.setZValue(1)
    items.append(line)
    if edge.arrow:
        (x1, y1), (x2, y2) = edge.points[-2], edge.points[-1]
        head = QPainterPath()
        if abs(x2 - x1) >= abs(y2 - y1):  # horizontal
            sign = 1 if x2 > x1 else -1
            head.moveTo(x2, y2)
            head.lineTo(x2 - 7 * sign, y2 - 4)
            head.lineTo(x2 - 7 * sign, y2 + 4)
        else:
            sign = 1 if y2 > y1 else -1
            head.moveTo(x2, y2)
            head.lineTo(x2 - 4, y2 - 7 * sign)
            head.lineTo(x2 + 4, y2 - 7 * sign)
        head.closeSubpath()
        arrow = QGraphicsPathItem(head)
        arrow.setPen(QPen(colour, 1))
        arrow.setBrush(QBrush(colour))
        arrow.setZValue(3)
        items.append(arrow)
    if edge.label:
        label = QGraphicsSimpleTextItem(edge.label)
        font = label.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        font.setItalic(True)
        label.setFont(font)
        label.setBrush(QBrush(QColor(LABEL[dark])))
        if edge.kind == "loop":  # under the way back, between the last step and the border
            x, y = edge.points[2]
            label.setPos(x - label.boundingRect().width() - 2, y)
        else:
            x, y = edge.points[-1]
            label.setPos(x + 5, y - 15)
        label.setZValue(3)
        items.append(label)
    return items
