"""The Traces pane: a waterfall of spans with badges and totals, and the selected span's detail.

The tree (name, duration, tokens, cost — tokens and cost rolled up from children) has a
Timeline column painted by `WaterfallDelegate`: one bar per span on the run's time axis, a
badge with its own duration, tokens and cost beside it. Running spans grow while the run goes.
"""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ide.inspectors.models.traces import SpanNode, TracesModel
from ide.inspectors.views.common import Refresher, human_cost, human_seconds, is_dark, json_html
from ide.inspectors.views.span_table_model import KIND_COLOURS, NODE_ROLE, TIMELINE, SpanTableModel

Index = QModelIndex | QPersistentModelIndex


def badge(node: SpanNode, now: float) -> str:
    """`12.0ms · 39 tok · $0.0003` — the span's own duration, tokens and cost."""
    parts = [human_seconds(node.elapsed(now)) + (" …" if node.running else "")]
    tokens = node.input_tokens + node.output_tokens
    if tokens:
        parts.append(f"{tokens:,} tok")
    if node.cost:
        parts.append(human_cost(node.cost))
    if node.children and (node.total_tokens or node.total_cost):
        parts.append(f"Σ {node.total_tokens:,} tok {human_cost(node.total_cost)}")
    return " · ".join(parts)


class WaterfallDelegate(QStyledItemDelegate):
    """Paints a span's bar on the run's time axis and its badge in the Timeline column."""

    def __init__(self, traces: TracesModel, tree_model: SpanTableModel) -> None:
        super().__init__()
        self.traces = traces
        self.tree_model = tree_model

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        node = index.data(NODE_ROLE)
        if index.column() != TIMELINE or not isinstance(node, SpanNode):
            super().paint(painter, option, index)
            return
        rect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.highlight())
        now = self.tree_model.now
        start = self.traces.start_ts
        span = max(self.traces.end_ts(now) - start, 1e-9)
        width = rect.width() - 4
        x0 = rect.left() + 2 + (node.start_ts - start) / span * width
        bar_w = max(2.0, node.elapsed(now) / span * width)
        colour = QColor(KIND_COLOURS.get(node.kind, "#0a7e8c"))
        if node.status in ("error", "unfinished"):
            colour = QColor("#cf222e")
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(x0, rect.top() + 3, bar_w, rect.height() - 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour.lighter(140) if node.running else colour))
        painter.drawRoundedRect(bar, 2, 2)
        if node.running:
            painter.setPen(QPen(colour, 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(bar, 2, 2)
        text = badge(node, now)
        metrics = painter.fontMetrics()
        text_w = metrics.horizontalAdvance(text) + 8
        right_room = rect.right() - bar.right()
        ink = option.palette.color(QPalette.ColorRole.Text)
        if right_room >= text_w:
            tx = bar.right() + 4
        elif bar.left() - rect.left() >= text_w:
            tx = bar.left() - text_w + 4
        else:  # no room beside the bar: inside it, in white
            tx, ink = bar.left() + 4, QColor("white")
        painter.setPen(ink)
        painter.drawText(
            QRectF(tx, rect.top(), text_w, rect.height()),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            text,
        )
        painter.restore()


def detail_html(detail: dict[str, Any], dark: bool = False) -> str:
    """The selected span's request, response, tool call and attributes as HTML."""
    esc = html.escape
    rows = [
        f"<h3 style='margin:2px 0'>{esc(detail['name'])} "
        f"<span style='color:#57606a;font-weight:normal'>({esc(detail['kind'])}, "
        f"{esc(detail['status'])})</span></h3>",
        "<p style='margin:2px 0'>"
        f"duration <b>{human_seconds(detail['duration'])}</b> · "
        f"tokens <b>{detail['tokens']['input']}</b> in / <b>{detail['tokens']['output']}</b> out"
        f" · cost <b>{human_cost(detail['cost'])}</b><br>"
        f"with children: {detail['totals']['input_tokens']} in / "
        f"{detail['totals']['output_tokens']} out · {human_cost(detail['totals']['cost'])}</p>",
    ]
    if "error" in detail:
        rows.append(f"<p style='color:#cf222e'><b>error:</b> {esc(str(detail['error']))}</p>")
    if "model" in detail:
        rows.append(f"<p style='margin:2px 0'>model <code>{esc(str(detail['model']))}</code></p>")
    messages = detail.get("messages")
    if isinstance(messages, list):
        rows.append("<h4 style='margin:6px 0 2px'>Request</h4>")
        for message in messages:
            if isinstance(message, dict):
                role = esc(str(message.get("role", "?")))
                content = esc(str(message.get("content", ""))).replace("\n", "<br>")
                rows.append(
                    f"<p style='margin:2px 0'><b style='color:#8250df'>{role}</b>: {content}</p>"
                )
    elif messages is not None:
        rows.append("<h4 style='margin:6px 0 2px'>Request</h4>" + json_html(messages))
    if "response" in detail:
        text = esc(str(detail["response"])).replace("\n", "<br>")
        rows.append(f"<h4 style='margin:6px 0 2px'>Response</h4><p style='margin:2px 0'>{text}</p>")
    for key, title in (
        ("tool_calls", "Tool calls"),
        ("arguments", "Arguments"),
        ("result", "Result"),
    ):
        if key in detail:
            rows.append(
                f"<h4 style='margin:6px 0 2px'>{title}</h4>" + json_html(detail[key], dark=dark)
            )
    attributes = json_html(detail["attributes"], dark=dark)
    rows.append("<h4 style='margin:6px 0 2px'>Attributes</h4>" + attributes)
    return "".join(rows)


class TracesPane(QWidget):
    """Waterfall tree on top, the selected span's request/response below."""

    sig_span_selected = Signal(object)
    """Emitted with the selected `SpanNode`."""

    def __init__(self, model: TracesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.tree_model = SpanTableModel(model, self)
        self.totals = QLabel()
        self.tree = QTableView()
        self.tree.setModel(self.tree_model)
        self.tree.setShowGrid(False)
        self.tree.setWordWrap(False)
        self.tree.verticalHeader().hide()
        self.tree.verticalHeader().setDefaultSectionSize(20)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.delegate = WaterfallDelegate(model, self.tree_model)
        self.tree.setItemDelegateForColumn(TIMELINE, self.delegate)
        header = self.tree.horizontalHeader()
        header.setHighlightSections(False)
        for col, width in enumerate((260, 80, 70, 70)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText(
            "Select a span to see its request and response (messages, tool arguments and "
            "results). Double-click a span to fold its children."
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.totals)
        layout.addWidget(split, 1)
        self.tree.selectionModel().currentRowChanged.connect(self._selected)
        self.tree.doubleClicked.connect(self._double_clicked)
        self._ticker = QTimer(self)  # running spans grow: repaint while the run goes
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self._tick)
        self.refresher = Refresher(self.refresh, self, widget=self)
        self._unsubscribe = model.subscribe(self.refresher.poke)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    def refresh(self) -> None:
        """Insert new spans, update ended ones and the totals line."""
        first, end = self.tree_model.sync()
        if self.tree_model.collapsed:
            for row in range(first, end):
                if self.tree_model.hidden(self.model.nodes[row]):
                    self.tree.setRowHidden(row, True)
        root = self.model.root
        running = root is not None and root.running
        if running and not self._ticker.isActive():
            self._ticker.start()
        elif not running:
            self._ticker.stop()
        self._update_totals()
        self.tree.viewport().update()

    def _tick(self) -> None:
        self.tree_model.now = time.time()
        self._update_totals()
        self.tree.viewport().update()

    def _update_totals(self) -> None:
        root = self.model.root
        if root is None:
            self.totals.setText("No spans yet.")
            return
        spans = len(self.model.nodes) - 1
        state = "running" if root.running else root.status
        self.totals.setText(
            f"<b>{html.escape(root.name)}</b> · {state} · "
            f"{human_seconds(root.elapsed(self.tree_model.now))} · {spans} spans · "
            f"{root.total_input_tokens:,} in + {root.total_output_tokens:,} out tokens · "
            f"{human_cost(root.total_cost)}"
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the detail in light or dark colours
            self._show_detail(self.tree_model.node(self.tree.currentIndex()))

    def select(self, node: SpanNode) -> None:
        """Select a span (and show its detail)."""
        self.tree.setCurrentIndex(self.tree_model.index(node.order, 0))

    def toggle(self, node: SpanNode) -> None:
        """Fold or unfold the spans under `node`."""
        model = self.tree_model
        if node.order in model.collapsed:
            model.collapsed.discard(node.order)
        else:
            model.collapsed.add(node.order)
        stack = list(node.children)
        while stack:
            child = stack.pop()
            if child.order < model.shown:
                self.tree.setRowHidden(child.order, model.hidden(child))
            stack.extend(child.children)
        index = model.index(node.order, 0)
        model.dataChanged.emit(index, index)

    def _double_clicked(self, index: QModelIndex) -> None:
        node = self.tree_model.node(index)
        if node is not None and node.children and index.column() == 0:
            self.toggle(node)

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.tree_model.node(current)
        if node is not None:
            self._show_detail(node)
            self.sig_span_selected.emit(node)

    def _show_detail(self, node: SpanNode | None) -> None:
        if node is not None:
            self.detail.setHtml(detail_html(self.model.detail(node), dark=is_dark(self)))
