"""The Metrics pane: one pyqtgraph plot per metric, one curve (and legend entry) per label set.

Counters plot their running total, gauges their value (both as steps over run time);
histograms plot the distribution of their observations (counts per bin, redrawn as values
come). A refresh redraws only series that got points, and builds at most one new plot (a
pyqtgraph plot costs tens of ms to make), asking for another refresh if more are due.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QVBoxLayout, QWidget

from ide.inspectors.models.metrics import MetricsModel, Series, label_text
from ide.inspectors.views.common import Refresher

PLOT_HEIGHT = 190
# Plots redraw at most this often: a plot is read by eye, and each redraw of a pyqtgraph plot
# (axes, text) costs several ms.
PLOT_REFRESH_MS = 200


class MetricPlot(pg.PlotWidget):
    """The plot of one metric; `curves` by label set."""

    def __init__(self, name: str, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name, self.kind = name, kind
        self.setMinimumHeight(PLOT_HEIGHT)
        self.setMaximumHeight(PLOT_HEIGHT + 40)
        # No grid: its translucent lines across every plot cost ~10 ms a plot per repaint.
        if kind == "histogram":
            self.setLabel("bottom", "value")
            self.setLabel("left", "count")
        else:
            self.setLabel("bottom", "run time", units="s")
        self.legend = self.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.curves: dict[tuple[tuple[str, str], ...], pg.PlotDataItem] = {}
        self.apply_palette()

    def apply_palette(self, palette: QPalette | None = None) -> None:
        """Background, axes, title and legend in the colours of `palette` (the app's)."""
        palette = palette or QApplication.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.setBackground(base)
        for side in ("left", "bottom"):
            axis = self.getAxis(side)
            axis.setPen(text)
            axis.setTextPen(text)
        self.setTitle(f"<b>{self.name}</b> ({self.kind})", size="9pt", color=text)
        legend_bg = pg.mkColor(base)
        legend_bg.setAlpha(210)
        self.legend.setBrush(pg.mkBrush(legend_bg))
        self.legend.setLabelTextColor(text)
        for _sample, label in self.legend.items:
            label.setText(label.text, color=text)

    def update_series(self, series: Series, until: float) -> None:
        """Draw `series`; a counter's or gauge's last value is held until `until`."""
        curve = self.curves.get(series.labels)
        if curve is None:
            colour = pg.intColor(len(self.curves), hues=8, values=1, maxValue=200)
            if series.type == "histogram":
                fill = pg.mkColor(colour)
                fill.setAlpha(90)
                curve = self.plot(
                    pen=pg.mkPen(colour, width=2), fillLevel=0, brush=fill,
                    name=label_text(series.labels),
                )  # fmt: skip
            else:
                curve = self.plot(
                    pen=pg.mkPen(colour, width=2), symbolBrush=colour, symbolPen=colour,
                    name=label_text(series.labels),
                )  # fmt: skip
            if series.type != "histogram":  # (binned step data cannot be downsampled)
                curve.setClipToView(True)
                curve.setDownsampling(auto=True)
            self.curves[series.labels] = curve
        if series.type == "histogram":
            values = np.asarray(series.ys)
            bins = int(min(40, max(5, np.sqrt(len(values)))))
            low, high = float(values.min()), float(values.max())
            if high <= low:  # one distinct value: a narrow range around it
                pad = abs(low) * 0.1 or 0.5
                low, high = low - pad, high + pad
            counts, edges = np.histogram(values, bins=bins, range=(low, high))
            curve.setData(edges, counts, stepMode="center")
        elif len(series.xs) < 2:
            curve.setData(series.xs, series.ys)
            if len(series.xs) < 2:
                curve.setSymbol("o")
                curve.setSymbolSize(5)
        else:
            # Steps: a counter or gauge holds its value until the next point.
            curve.setSymbol(None)
            end = max(until, series.xs[-1])
            curve.setData(series.xs + [end], series.ys + [series.ys[-1]], stepMode="left")


class MetricsPane(QScrollArea):
    """A scrolling column of `MetricPlot`s, in the order metrics first appeared."""

    def __init__(self, model: MetricsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWidgetResizable(True)
        self.inner = QWidget()
        self.column = QVBoxLayout(self.inner)
        self.column.setContentsMargins(4, 4, 4, 4)
        self.empty = QLabel("No metrics yet.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.column.addWidget(self.empty)
        self.column.addStretch(1)
        self.setWidget(self.inner)
        self.plots: dict[str, MetricPlot] = {}
        self._version = 0
        self.refresher = Refresher(self.refresh, self, PLOT_REFRESH_MS, widget=self)
        self._unsubscribe = model.subscribe(self.refresher.poke)
        self.destroyed.connect(lambda *_: self._unsubscribe())
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light or dark theme
            for plot in self.plots.values():
                plot.apply_palette(self.palette())

    def refresh(self) -> None:
        """Redraw the series that got points since the last refresh."""
        if self.model.version < self._version:  # the model was reset
            for plot in self.plots.values():
                plot.setParent(None)
                plot.deleteLater()
            self.plots.clear()
            self._version = 0
        created = False
        for series in self.model.dirty_since(self._version):
            if series.name not in self.plots:
                if created:  # one new plot per refresh; the rest on the next one
                    self.refresher.poke()
                    return
                plot = MetricPlot(series.name, series.type, self.inner)
                self.column.insertWidget(self.column.count() - 1, plot)
                self.plots[series.name] = plot
                self.empty.hide()
                created = True
            self.plots[series.name].update_series(series, self.model.last_x)
        self._version = self.model.version
        self.empty.setVisible(not self.plots)
