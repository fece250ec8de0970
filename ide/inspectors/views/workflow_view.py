"""The Workflow pane: the graph of the workflows a spell runs, with each step's live status
and duration, a legend, and a step's input, output and diff when it is clicked.

The graph is a QGraphicsScene laid out by `models.workflow_layout` (rebuilt only when nodes
come or go, or a group is folded); a status change repaints its node only, on the shared
refresh timer. A node's context menu runs to it or skips it (`WorkflowStepper`), once the
studio has attached its run controller (`attach`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt
from PySide6.QtGui import QAction, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ide.inspectors.models.workflow import STATUSES, WorkflowModel
from ide.inspectors.models.workflow_layout import layout
from ide.inspectors.views.common import Refresher, human_seconds, is_dark
from ide.inspectors.views.workflow_details import StepDetails
from ide.inspectors.views.workflow_graph import (
    COLOURS,
    ICONS,
    GroupItem,
    NodeItem,
    NodeLook,
    edge_items,
)
from ide.inspectors.views.workflow_stepper import WorkflowStepper

Item = NodeItem | GroupItem
MIN_FIT_SCALE = 0.7  # below this the step names are hard to read: scroll instead


class GraphView(QGraphicsView):
    """The scene's view: wheel zooms with Ctrl, a double click folds or unfolds a workflow."""

    def __init__(self, pane: WorkflowPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.zoomed = False  # the user zoomed: resizing no longer fits the graph

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self.zoomed:
            self.pane.fit()

    def node_at(self, pos: QPoint) -> str | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem | GroupItem):
                return item.node_id
        return None

    def wheelEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.scale(factor, factor)
            self.zoomed = True
        else:
            super().wheelEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        node = self.node_at(event.position().toPoint())
        if node is not None:
            self.pane.toggle_folded(node)
        else:
            super().mouseDoubleClickEvent(event)


class WorkflowPane(QWidget):
    """Legend and summary, the graph, and the selected step's details."""

    def __init__(self, model: WorkflowModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.stepper = WorkflowStepper(model, self)
        self.stepper.sig_message.connect(self.show_message)
        self.folded: set[str] = set()
        self.items: dict[str, Item] = {}
        self.selected: str | None = None
        self._report: Callable[[str, str], None] | None = None
        self._shown: tuple[int, int] = (-1, -1)  # model (structure_version, version) shown
        self._dark = is_dark(self)

        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel("No workflow has run yet.")
        fit = QPushButton("Fit")
        fit.setToolTip("Fit the whole graph in the view (Ctrl+wheel zooms)")
        fit.clicked.connect(self.fit)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        top.addWidget(self.legend)
        top.addStretch(1)
        top.addWidget(self.summary)
        top.addWidget(fit)

        self.scene = QGraphicsScene(self)
        self.view = GraphView(self)
        self.view.setScene(self.scene)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.scene.selectionChanged.connect(self._selection_changed)

        self.details = StepDetails(model, self.look)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])  # the JSON views' size hints would take most of the width
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout_ = QVBoxLayout(self)
        layout_.setContentsMargins(2, 2, 2, 2)
        layout_.addLayout(top)
        layout_.addWidget(split, 1)
        layout_.addWidget(self.message)

        self._build_legend()
        self.refresher = Refresher(self.refresh, self, widget=self)
        self._unsubscribe = model.subscribe(self.refresher.poke)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    # -- the studio's run controller ---------------------------------------------------------

    def attach(
        self,
        controller: Any,
        start_debug: Callable[[], bool],
        report: Callable[[str, str], None] | None = None,
    ) -> None:
        """Enable "Run to this step" and "Skip this step" on `controller`; `report(level,
        text)` also shows their outcome elsewhere (the console, the status bar)."""
        self.stepper.attach(controller, start_debug)
        self._report = report

    def show_message(self, level: str, text: str) -> None:
        colour = COLOURS[self._dark]["failed" if level == "error" else "pending"][1]
        self.message.setText(f"<span style='color:{colour}'>{html.escape(text)}</span>")
        if self._report is not None:
            self._report(level, text)

    # -- refreshing --------------------------------------------------------------------------

    def refresh(self) -> None:
        model = self.model
        state = (model.structure_version, model.version)
        if state == self._shown:
            return
        if state[0] != self._shown[0]:
            self._rebuild()
        self._shown = state
        for node_id, item in self.items.items():
            if node_id in model.nodes:
                item.set_look(self.look(node_id))
        self._update_summary()
        paused = self.items.get(model.paused or "")
        if paused is not None:
            self.view.ensureVisible(paused, 40, 40)
        if self.selected is not None:
            self.details.due()

    def _rebuild(self) -> None:
        self.scene.blockSignals(True)
        self.scene.clear()
        self.scene.blockSignals(False)
        self.items = {}
        self.folded &= set(self.model.nodes)
        shapes = layout(self.model, self.folded)
        dark = self._dark
        for node_id, box in shapes.boxes.items():
            item: Item = (
                GroupItem(node_id, box, dark) if box.group else NodeItem(node_id, box, dark)
            )
            self.scene.addItem(item)
            self.items[node_id] = item
        for edge in shapes.edges:
            for piece in edge_items(edge, dark):
                self.scene.addItem(piece)
        self.scene.setSceneRect(QRectF(-20, -20, shapes.width + 40, shapes.height + 40))
        if self.selected in self.items:
            self.items[self.selected].setSelected(True)
        elif self.selected is not None and self.selected not in self.model.nodes:
            self.selected = None
            self.details.show_node(None)
        self.fit()

    def fit(self) -> None:
        """The graph's width in view, and its height when that keeps the text readable (else
        it scrolls); never magnified beyond its natural size."""
        rect = self.scene.sceneRect()
        self.view.resetTransform()
        self.view.zoomed = False
        if rect.width() <= 0 or rect.height() <= 0:
            return
        port = self.view.viewport().rect()
        scale = min(1.0, port.width() / rect.width())
        if rect.height() * scale > port.height():
            scale = min(scale, max(port.height() / rect.height(), MIN_FIT_SCALE))
        if scale < 1.0:
            self.view.scale(scale, scale)
        self.view.ensureVisible(QRectF(rect.x(), rect.y(), 1, 1), 0, 0)

    def toggle_folded(self, node_id: str) -> None:
        node = self.model.nodes.get(node_id)
        if node is None or not node.children:
            return
        self.folded ^= {node_id}
        self._rebuild()
        self._shown = (self.model.structure_version, -1)
        self.refresh()

    def look(self, node_id: str) -> NodeLook:
        """The node's title, status and line of detail, from the model."""
        model = self.model
        node = model.nodes[node_id]
        status = model.status(node_id)
        last = node.last
        duration = model.duration_ms(node_id)
        parts: list[str] = []
        if node.children and node.type == "loop":
            rounds = max((model.iterations(c) for c in node.children), default=0)
            if rounds:
                parts.append(f"×{rounds}")
        elif node.target:
            parts.append(f"{node.kind} {node.target}")
        elif not node.children and (node.kind != "function" or last is None):
            parts.append(node.kind)
        runs = model.iterations(node_id)
        if runs > 1:
            parts.append(f"×{runs}")
        if last is not None and last.attempts > 1:
            parts.append(f"{last.attempts} attempts")
        if status == "retrying" and last is not None:
            parts.append(f"retry {len(last.retries)}")
        if status == "skipped" and last is not None and last.reason:
            parts.append(last.reason)
        elif status == "running":
            parts.append("running…")
        elif duration is not None:
            parts.append(human_seconds(duration / 1000))
        if model.paused == node_id:
            parts.insert(0, "paused after it" if model.paused_after else "paused before it")
        if last is not None and last.recovered_by:
            parts.append("continued" if last.recovered_by == "continue" else "fallback used")
        return NodeLook(
            node.name,
            status,
            " · ".join(parts),
            paused=model.paused == node_id,
            group_type=node.type,
            collapsed=node_id in self.folded,
        )

    def _update_summary(self) -> None:
        model = self.model
        if not model.roots:
            self.summary.setText("No workflow has run yet.")
            return
        counts = model.counts()
        total = sum(counts.values())
        shown = [f"{counts[s]} {s}" for s in STATUSES if counts[s] and s != "pending"]
        text = f"{', '.join(model.nodes[r].name for r in model.roots)} · {total} steps"
        if shown:
            text += ": " + ", ".join(shown)
        if model.paused is not None and model.paused in model.nodes:
            where = "after" if model.paused_after else "before"
            text += f" · paused {where} {model.nodes[model.paused].name}"
        self.summary.setText(text)

    def _build_legend(self) -> None:
        swatches = []
        for status in STATUSES:
            fill, border, text = COLOURS[self._dark][status]
            swatches.append(
                f"<span style='background:{fill}; color:{text}; border:1px solid {border}'>"
                f"&nbsp;{ICONS[status]} {status}&nbsp;</span>"
            )
        self.legend.setText("&nbsp;".join(swatches))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and is_dark(self) != self._dark:
            self._dark = is_dark(self)
            self._build_legend()
            self._shown = (-1, -1)  # colours of another theme: draw again
            self.refresh()

    # -- selecting and details ---------------------------------------------------------------

    def select(self, node_id: str) -> None:
        """Select a node (as a click does) and show its details."""
        self.scene.clearSelection()
        item = self.items.get(node_id)
        if item is not None:
            item.setSelected(True)
        self.selected = node_id
        self.details.show_node(node_id)

    def _selection_changed(self) -> None:
        chosen = [i for i in self.scene.selectedItems() if isinstance(i, NodeItem | GroupItem)]
        if chosen:
            self.selected = chosen[0].node_id
            self.details.show_node(self.selected)

    # -- the context menu --------------------------------------------------------------------

    def _context_menu(self, pos: QPoint) -> None:
        node_id = self.view.node_at(pos)
        if node_id is None:
            return
        menu = self.node_menu(node_id)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def node_menu(self, node_id: str) -> QMenu:
        """The context menu of a node: run to it, skip it, fold it."""
        node = self.model.nodes[node_id]
        menu = QMenu(self)
        is_step = node.parent is not None
        run_to = QAction(f"Run to step {node.name}", menu)
        run_to.setObjectName("run_to")
        run_to.setEnabled(is_step and self.stepper.attached)
        run_to.triggered.connect(lambda: self.stepper.run_to(node_id))
        skip = QAction(f"Skip step {node.name}", menu)
        skip.setObjectName("skip")
        skip.setEnabled(is_step and self.stepper.attached)
        skip.triggered.connect(lambda: self.stepper.skip(node_id))
        menu.addAction(run_to)
        menu.addAction(skip)
        if node.children:
            menu.addSeparator()
            fold = QAction("Expand" if node_id in self.folded else "Collapse", menu)
            fold.triggered.connect(lambda: self.toggle_folded(node_id))
            menu.addAction(fold)
        return menu
