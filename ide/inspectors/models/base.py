"""What every inspector model shares: record normalisation and observer callbacks.

Records reach the IDE either as `engines.telemetry.Record` objects (in-process, from the run
store) or as the flat dicts of the `llmspell/telemetry` DAP event (`Record.to_dict()`); a model
accepts both and never imports the engines. Models notify observers once per `feed` call, never
once per record, so a view can batch its repaints on a timer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

_HEADER = ("kind", "run", "seq", "ts")


class RecordLike(Protocol):
    """The shape of `engines.telemetry.Record`, as the models read it."""

    kind: str
    run: str
    seq: int
    ts: float
    data: dict[str, Any]


@dataclass(slots=True)
class Rec:
    """A record rebuilt from the flat dict form of the protocol."""

    kind: str
    run: str
    seq: int
    ts: float
    data: dict[str, Any] = field(default_factory=dict)


def as_record(raw: RecordLike | dict[str, Any]) -> RecordLike:
    """`raw` as an object with kind/run/seq/ts/data, whichever form it came in."""
    if isinstance(raw, dict):
        data = {k: v for k, v in raw.items() if k not in _HEADER}
        return Rec(raw["kind"], raw.get("run", ""), raw["seq"], raw["ts"], data)
    return raw


def as_records(raw: Iterable[RecordLike | dict[str, Any]]) -> list[RecordLike]:
    return [as_record(r) for r in raw]


Observer = Callable[[], None]


class Observable:
    """Observer callbacks: `subscribe(callback)`; `_notify()` calls each, once per batch."""

    def __init__(self) -> None:
        self._observers: list[Observer] = []

    def subscribe(self, callback: Observer) -> Callable[[], None]:
        """Call `callback()` after every batch that changed the model; returns an unsubscriber."""
        self._observers.append(callback)

        def unsubscribe() -> None:
            if callback in self._observers:
                self._observers.remove(callback)

        return unsubscribe

    def _notify(self) -> None:
        for callback in list(self._observers):
            callback()


def json_copy(value: Any) -> Any:
    """A private copy of JSON-like data (dicts and lists copied, scalars shared); faster than
    `copy.deepcopy` for the plain values records carry."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def short(value: Any, limit: int = 120) -> str:
    """A one-line preview of a value, cut to `limit` characters."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=False)
        except (TypeError, ValueError):
            text = repr(value)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecordModel(Observable):
    """A model fed by records of the kinds in `KINDS`.

    `feed(records)` takes a batch and notifies once. The hub instead routes each record by kind
    to `add(record)` and calls `notify()` once per batch for the models that took any.
    """

    KINDS: tuple[str, ...] = ()

    def feed(self, records: Iterable[RecordLike | dict[str, Any]]) -> None:
        taken = False
        kinds = self.KINDS
        for raw in records:
            record = as_record(raw)
            if record.kind in kinds:
                self.add(record)
                taken = True
        if taken:
            self._notify()

    def add(self, record: RecordLike) -> None:
        raise NotImplementedError

    def notify(self) -> None:
        self._notify()
