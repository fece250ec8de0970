"""Record and replay: every value the outside world gives a spell is recorded with the run
(a `recorded` record: source, key, value), and a replayed run is served those values back.

Values are matched in order per source (llm, tool, time, uuid, env, ...); a source's key
(for an LLM call, a digest of the request) must match too. When the spell asks something the
recording does not hold, the run stops with a ReplayDivergence at that exact call.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict, deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engines.errors import ExitCode, LimitExceeded


class ReplayDivergence(LimitExceeded):
    """The replayed spell asked for something the recording does not hold. It ends the run
    (a spell cannot catch it), with the exit code of a spell error."""

    exit_code = ExitCode.SPELL_ERROR

    def __init__(self, message: str) -> None:
        super().__init__("replay", message)


def digest(value: Any) -> str:
    """A short, stable key for a request: what the recording is matched on."""
    text = json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Recording:
    def __init__(self, entries: Iterable[dict[str, Any]], origin: str = "the recording") -> None:
        self.origin = origin
        self._queues: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        for entry in entries:
            self._queues[str(entry.get("source"))].append(entry)

    @classmethod
    def from_records(
        cls, records: Iterable[dict[str, Any]], origin: str = "the recording"
    ) -> Recording:
        return cls((r for r in records if r.get("kind") == "recorded"), origin)

    @classmethod
    def from_jsonl(cls, path: Path) -> Recording:
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls.from_records((json.loads(line) for line in lines if line.strip()), str(path))

    def next(self, source: str, key: str | None) -> Any:
        queue = self._queues.get(source)
        if not queue:
            raise ReplayDivergence(
                f"replay divergence: the spell asks for a new {source} value"
                f"{_keyed(key)}, but {self.origin} holds no more"
            )
        entry = queue[0]
        if key is not None and entry.get("key") is not None and entry.get("key") != key:
            raise ReplayDivergence(
                f"replay divergence: the spell's {source} request{_keyed(key)} differs from the "
                f"recorded one (key {entry.get('key')}); the spell was changed here"
            )
        queue.popleft()
        return entry.get("value")


def _keyed(key: str | None) -> str:
    return f" (key {key})" if key else ""
