"""Retries with backoff, a circuit breaker per provider, and a client-side rate limit.

Each decision is reported through a callback so that it becomes a record of the run.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Report = Callable[[str, dict[str, Any]], None]


class LlmCallError(Exception):
    """A provider call failed. `retryable` for 429, 5xx, timeouts and broken answers."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@dataclass
class RetryPolicy:
    attempts: int = 3  # retries after the first try
    base_delay: float = 0.25
    max_delay: float = 8.0
    jitter: float = 0.25  # ± this fraction of the delay

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay * 4)
        delay = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return max(0.0, delay * (1 + random.uniform(-self.jitter, self.jitter)))


@dataclass
class CircuitBreaker:
    """Opens after `threshold` failures in a row; lets one trial call through after `cooldown`."""

    threshold: int = 5
    cooldown: float = 30.0
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        return time.monotonic() - self.opened_at >= self.cooldown

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> bool:
        """Counts a failure; True when this one opened the circuit."""
        self.failures += 1
        if self.failures >= self.threshold and self.opened_at is None:
            self.opened_at = time.monotonic()
            return True
        if self.opened_at is not None:
            self.opened_at = time.monotonic()  # a failed trial keeps it open
        return False


@dataclass
class RateLimiter:
    """A token bucket: `per_minute` requests, bursting up to `burst`."""

    per_minute: float
    burst: float = 1.0
    _tokens: float = field(default=-1.0)
    _updated: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_time(self) -> float:
        """Takes a token; returns how long the caller must wait first (0 when none)."""
        with self._lock:
            now = time.monotonic()
            rate = self.per_minute / 60.0
            capacity = max(self.burst, 1.0)
            if self._tokens < 0:
                self._tokens = capacity
            self._tokens = min(capacity, self._tokens + (now - self._updated) * rate)
            self._updated = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / rate


class Resilience:
    """Shared by all calls of a host: breakers and limiters are per provider."""

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def breaker(self, provider: str) -> CircuitBreaker:
        with self._lock:
            return self._breakers.setdefault(provider, CircuitBreaker())

    def limiter(self, provider: str, per_minute: float | None) -> RateLimiter | None:
        if not per_minute:
            return None
        with self._lock:
            return self._limiters.setdefault(provider, RateLimiter(per_minute))
