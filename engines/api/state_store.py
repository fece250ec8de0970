"""SQLite persistence for spell state: current values, the history of changes, snapshots.

A scope's tree is kept as one row per top-level key, so changing `a.b.c` rewrites only `a`.
Each (scope, owner) pair is a separate tree: the owner is the run id for "run" scope, the
spell name for "spell" scope and "" for "global".
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state_values (
    scope TEXT NOT NULL, owner TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (scope, owner, key));
CREATE TABLE IF NOT EXISTS state_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, owner TEXT NOT NULL,
    run TEXT NOT NULL, ts REAL NOT NULL, op TEXT NOT NULL, path TEXT NOT NULL,
    old TEXT, new TEXT);
CREATE INDEX IF NOT EXISTS state_history_owner ON state_history (scope, owner, id);
CREATE TABLE IF NOT EXISTS state_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, owner TEXT NOT NULL,
    run TEXT NOT NULL, label TEXT, ts REAL NOT NULL, tree TEXT NOT NULL);
"""


def default_state_db() -> Path:
    from engines.paths import data_dir

    return data_dir() / "state.sqlite3"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class StateStore:
    def __init__(self, path: str | Path = ":memory:") -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # Other connections (another run, the IDE host) may change a file database.
        self.shared = str(path) != ":memory:"
        self._lock = threading.RLock()
        self._depth = 0
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def load_tree(self, scope: str, owner: str) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM state_values WHERE scope=? AND owner=?", (scope, owner)
            ).fetchall()
        return {key: json.loads(value) for key, value in rows}

    def data_version(self) -> int:
        """Changes whenever another connection commits to the database (SQLite's data_version)."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction (re-entrant on this thread), taken before reading what it changes.

        BEGIN IMMEDIATE takes SQLite's write lock at once, so what is read inside the block is
        still current when the block writes: no other connection can commit in between.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    def write_change(
        self,
        scope: str,
        owner: str,
        run: str,
        op: str,
        path: str,
        old: Any,
        new: Any,
        top_values: dict[str, Any],
    ) -> None:
        """Persist the changed top-level keys (absent from the tree = deleted) and the change."""
        with self.writing():
            for key, value in top_values.items():
                if value is _DELETED:
                    self._db.execute(
                        "DELETE FROM state_values WHERE scope=? AND owner=? AND key=?",
                        (scope, owner, key),
                    )
                else:
                    self._db.execute(
                        "INSERT OR REPLACE INTO state_values VALUES (?,?,?,?)",
                        (scope, owner, key, _dump(value)),
                    )
            self._db.execute(
                "INSERT INTO state_history (scope, owner, run, ts, op, path, old, new) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (scope, owner, run, time.time(), op, path, _dump(old), _dump(new)),
            )

    def history(
        self, scope: str, owner: str, path: str | None, limit: int | None
    ) -> list[dict[str, Any]]:
        sql = "SELECT id, run, ts, op, path, old, new FROM state_history WHERE scope=? AND owner=?"
        args: list[Any] = [scope, owner]
        if path:
            # A change at a parent or a child of `path` both change what `path` holds. Compared
            # with substr, not LIKE: LIKE ignores case and treats `_` and `%` in paths as
            # wildcards.
            sql += (
                " AND (path=? OR path=''"
                " OR substr(path, 1, length(?) + 1) = ? || '.'"
                " OR substr(?, 1, length(path) + 1) = path || '.')"
            )
            args += [path, path, path, path]
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [
            {
                "seq": row[0],
                "run": row[1],
                "ts": row[2],
                "op": row[3],
                "path": row[4],
                "old": _load(row[5]),
                "new": _load(row[6]),
            }
            for row in reversed(rows)
        ]

    def save_snapshot(
        self, scope: str, owner: str, run: str, label: str | None, tree: dict[str, Any]
    ) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO state_snapshots (scope, owner, run, label, ts, tree) "
                "VALUES (?,?,?,?,?,?)",
                (scope, owner, run, label, time.time(), _dump(tree)),
            )
        return int(cursor.lastrowid or 0)

    def load_snapshot(self, scope: str, owner: str, snapshot_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT tree FROM state_snapshots WHERE id=? AND scope=? AND owner=?",
                (snapshot_id, scope, owner),
            ).fetchone()
        return None if row is None else json.loads(row[0])


class _Deleted:
    def __repr__(self) -> str:
        return "<deleted>"


_DELETED: Any = _Deleted()
DELETED: Any = _DELETED
