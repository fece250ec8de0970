"""The Metrics inspector's model: one time series per metric name and label set.

Fed by `metric` records (`{name, type, labels, value, delta?}`): a counter's points are its
running totals, a gauge's its values, a histogram's its observations (with a running summary).
Times are seconds since the run started. Appending a point is O(1); a view asks which series
grew since it last looked (`dirty_since`) and redraws only those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ide.inspectors.models.base import RecordLike, RecordModel

LabelKey = tuple[tuple[str, str], ...]


def label_key(labels: dict[str, Any] | None) -> LabelKey:
    if not labels:
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in labels.items()))


def label_text(key: LabelKey) -> str:
    """`{type=order.accepted}` style, or `(no labels)`."""
    return ", ".join(f"{k}={v}" for k, v in key) if key else "(no labels)"


@dataclass
class Series:
    """The points of one metric with one label set; `version` grows with every point."""

    name: str
    type: str
    labels: LabelKey
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    count: int = 0
    total: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    version: int = 0

    @property
    def last(self) -> float | None:
        return self.ys[-1] if self.ys else None

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def summary(self) -> str:
        """One line: the last value, or for a histogram count/mean/min/max."""
        if self.type == "histogram" and self.count:
            return (
                f"n={self.count} mean={self.mean:.4g} min={self.minimum:.4g} max={self.maximum:.4g}"
            )
        return f"{self.last:.6g}" if self.last is not None else "—"


class MetricsModel(RecordModel):
    """`series[(name, labels)]`, `names` (metric → type, in first-seen order)."""

    KINDS = ("metric", "run.start")

    def __init__(self) -> None:
        super().__init__()
        self.reset(notify=False)

    def reset(self, notify: bool = True) -> None:
        self.series: dict[tuple[str, LabelKey], Series] = {}
        self.names: dict[str, str] = {}
        self.start_ts: float | None = None
        self.version = 0  # grows with every point
        self.last_x = 0.0  # the latest point's time, of any series
        if notify:
            self._notify()

    def add(self, record: RecordLike) -> None:
        """Take one metric (or the run.start that sets time zero)."""
        if record.kind == "run.start":
            self.start_ts = record.ts
            return
        data = record.data
        value = data.get("value")
        if type(value) is not float and type(value) is not int:  # bools are not numbers here
            return
        if self.start_ts is None:
            self.start_ts = record.ts
        name, kind = str(data.get("name")), str(data.get("type", "gauge"))
        key = (name, label_key(data.get("labels")))
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series(name, kind, key[1])
            self.names.setdefault(name, kind)
        x = record.ts - self.start_ts
        self.last_x = max(self.last_x, x)
        series.xs.append(x)
        series.ys.append(float(value))
        series.count += 1
        series.total += value
        series.minimum = value if series.minimum is None else min(series.minimum, value)
        series.maximum = value if series.maximum is None else max(series.maximum, value)
        self.version += 1
        series.version = self.version

    def of_metric(self, name: str) -> list[Series]:
        """Every label set of metric `name`."""
        return [s for (n, _), s in self.series.items() if n == name]

    def dirty_since(self, version: int) -> list[Series]:
        """The series that got points after model version `version`."""
        if version >= self.version:
            return []
        return [s for s in self.series.values() if s.version > version]
