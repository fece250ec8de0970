"""The `events` service: publish/subscribe with `*` wildcards, delivered in publish order.

An event published from inside a handler is queued and delivered after the current one, so
every subscriber sees events in the order they were published.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engines.api.context import RunContext
from engines.api.diff import copy_data
from engines.errors import ApiError


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """`*` matches any run of characters (dots included); everything else is literal."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


@dataclass
class _Subscription:
    id: int
    pattern: str
    regex: re.Pattern[str]
    handler: Callable[..., Any]


class EventsService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._subscriptions: list[_Subscription] = []
        self._next_id = 1
        self._queue: deque[tuple[str, Any, list[_Subscription]]] = deque()
        self._delivering = False

    def subscribe(self, pattern: str, handler: Callable[..., Any]) -> int:
        if not pattern:
            raise ApiError("pattern must not be empty")
        if not callable(handler):
            raise ApiError("handler must be a function")
        sub = _Subscription(self._next_id, pattern, pattern_regex(pattern), handler)
        self._next_id += 1
        self._subscriptions.append(sub)
        return sub.id

    def unsubscribe(self, id: int) -> bool:
        before = len(self._subscriptions)
        self._subscriptions = [s for s in self._subscriptions if s.id != id]
        return len(self._subscriptions) != before

    def publish(self, type: str, data: Any = None) -> int:
        if not type:
            raise ApiError("event type must not be empty")
        targets = [s for s in self._subscriptions if s.regex.match(type)]
        self._ctx.emit(
            "event",
            # A copy: handlers may change the data they are given.
            {"type": type, "data": copy_data(data), "handlers": [s.id for s in targets]},
        )
        self._queue.append((type, data, targets))
        if not self._delivering:
            self._deliver()
        return len(targets)

    def _deliver(self) -> None:
        self._delivering = True
        try:
            while self._queue:
                type_, data, targets = self._queue.popleft()
                for sub in targets:
                    if sub in self._subscriptions:  # unsubscribed by an earlier handler
                        sub.handler(type_, data)
        finally:
            self._delivering = False
            self._queue.clear()
