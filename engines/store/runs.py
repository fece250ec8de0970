"""SQLite run store: one row per run, one row per telemetry record, readable while written.

The database runs in WAL mode so any number of processes (the CLI, the IDE) can read while
one engine host writes. Records arrive in batches, each batch one transaction, and inserting
is idempotent on (run, seq): a batch that is sent again after a hiccup never duplicates.

Surviving `kill -9` is a property of SQLite's journal: a batch is either fully in the WAL or
not at all, so after the writer dies everything up to its last committed batch is readable.
The run row then still says `running`; readers notice the host pid is gone and record the
run as `crashed` the first time they look at it.
"""

from __future__ import annotations

import atexit
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.telemetry import Record

RUN_STATUSES = ("running", "ok", "error", "limit", "crashed", "killed", "terminated")

# Bumped when the schema changes, so a later version can migrate an older file.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    spell TEXT NOT NULL,
    spell_path TEXT,
    engine TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    client TEXT,
    pid INTEGER,
    pid_token TEXT,
    started REAL NOT NULL,
    ended REAL,
    status TEXT NOT NULL DEFAULT 'running',
    exit_code INTEGER,
    exit_reason TEXT);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started);
CREATE INDEX IF NOT EXISTS runs_spell ON runs (spell, started);
CREATE TABLE IF NOT EXISTS records (
    run TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ts REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run, seq)) WITHOUT ROWID;
"""
# WITHOUT ROWID: records are always read by (run, seq), so clustering the table on its
# primary key makes reading a run one sequential range scan and saves a second b-tree.

_RUN_COLUMNS = (
    "id, spell, spell_path, engine, params, client, pid, pid_token, started, ended, status, "
    "exit_code, exit_reason"
)

# Records read per query by `records()`: the lock is released between pages, so a reader
# paging through 100 000 records never holds up the writer for long.
_PAGE = 2000


def default_runs_db() -> Path:
    from engines.paths import data_dir

    return data_dir() / "runs.sqlite3"


class RunLookupError(LookupError):
    """A run id (or prefix) that names no run, or more than one."""


class RunNotFoundError(RunLookupError):
    pass


class AmbiguousRunError(RunLookupError):
    def __init__(self, prefix: str, matches: Sequence[str]) -> None:
        self.prefix = prefix
        self.matches = list(matches)
        shown = ", ".join(self.matches[:5]) + (", …" if len(self.matches) > 5 else "")
        super().__init__(f"run id {prefix!r} is ambiguous: it matches {shown}")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One run's facts, as the `runs` table holds them."""

    id: str
    spell: str
    spell_path: str | None
    engine: str | None
    params: dict[str, Any]
    client: str | None
    pid: int | None
    started: float
    ended: float | None
    status: str
    exit_code: int | None
    exit_reason: str | None

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; None while the run is still going."""
        return None if self.ended is None else max(0.0, self.ended - self.started)


def _dumps(value: Any) -> str:
    # default=repr: a record must never fail to store because a value is not JSON.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)


def _row_of(record: Record) -> tuple[str, int, str, float, str]:
    return (record.run, record.seq, record.kind, record.ts, _dumps(record.data))


# ----------------------------------------------------------------------------- host liveness


def _process_token(pid: int) -> str | None:
    """The process's start time (Linux), so a recycled pid is not mistaken for the host."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _process_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = stat[stat.rfind(")") + 2 :]
    return rest[:1] or None


def _pid_alive(pid: int, token: str | None) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except OSError:
        return True  # cannot tell: never declare a live run crashed on a guess
    # A killed child its parent has not reaped yet still answers signal 0: it is a zombie.
    if _process_state(pid) in ("Z", "X"):
        return False
    if token is not None:
        current = _process_token(pid)
        if current is not None and current != token:
            return False  # the pid now belongs to another process
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    # os.kill(pid, 0) would *terminate* the process on Windows: ask for its exit code instead.
    import ctypes

    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - windll exists only on Windows
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return bool(kernel32.GetLastError() == 5)  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


# ----------------------------------------------------------------------------- the store


class RunStore:
    """The runs database. Thread-safe; several processes may open the same file."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path) if path is not None else default_runs_db()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), never implicit.
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=busy_timeout
        )
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode loses nothing when a process dies (the WAL is in the OS's
            # hands at commit); only a power cut can drop the last batches. FULL would fsync
            # every batch and cap us far below the records/s a chatty spell produces.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._transaction(self._create_schema)

    def _create_schema(self) -> None:
        # Inside a write transaction, statement by statement (executescript would commit on
        # its own), so two processes opening a new file at the same moment do not race.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        if self._db.execute("PRAGMA user_version").fetchone()[0] == 0:
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _transaction(self, body: Any) -> Any:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = body()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing

    def start_run(
        self,
        run_id: str,
        spell: str,
        path: str | os.PathLike[str] | None,
        engine: str | None,
        params: dict[str, Any] | None,
        client: str | None,
        pid: int | None,
        *,
        started: float | None = None,
    ) -> None:
        """Record a run as `running`. Called again for the same id, it replaces the facts."""
        token = _process_token(pid) if pid is not None else None
        row = (
            run_id,
            spell,
            None if path is None else str(path),
            engine,
            _dumps(params or {}),
            client,
            pid,
            token,
            time.time() if started is None else started,
        )
        self._transaction(
            lambda: self._db.execute(
                "INSERT INTO runs (id, spell, spell_path, engine, params, client, pid, pid_token,"
                " started) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " spell=excluded.spell, spell_path=excluded.spell_path, engine=excluded.engine,"
                " params=excluded.params, client=excluded.client, pid=excluded.pid,"
                " pid_token=excluded.pid_token, started=excluded.started",
                row,
            )
        )

    def add_records(self, records: Iterable[Record]) -> None:
        """Store a batch of records in one transaction; records already stored are skipped.

        A `run.start` record creates the run's row if nobody called `start_run` (with this
        process as the host), and a `run.end` record finishes it, in the same transaction.
        """
        self.write_rows([_row_of(r) for r in records])

    def write_rows(
        self, rows: Sequence[tuple[str, int, str, float, str]], *, pid: int | None = None
    ) -> None:
        """`add_records` for records already serialised: (run, seq, kind, ts, data JSON)."""
        if not rows:
            return
        host = os.getpid() if pid is None else pid

        def body() -> None:
            self._db.executemany(
                "INSERT OR IGNORE INTO records (run, seq, kind, ts, data) VALUES (?,?,?,?,?)",
                rows,
            )
            for run, _seq, kind, ts, data in rows:
                if kind == "run.start":
                    self._insert_run_from_record(run, ts, json.loads(data), host)
                elif kind == "run.end":
                    self._finish_from_record(run, ts, json.loads(data))

        self._transaction(body)

    def _insert_run_from_record(self, run: str, ts: float, data: dict[str, Any], pid: int) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO runs (id, spell, spell_path, engine, params, client, pid,"
            " pid_token, started) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                run,
                str(data.get("spell") or "?"),
                data.get("entry"),
                data.get("engine"),
                _dumps(data.get("params") or {}),
                None,
                pid,
                _process_token(pid),
                ts,
            ),
        )

    def _finish_from_record(self, run: str, ts: float, data: dict[str, Any]) -> None:
        status = data.get("status") if data.get("status") in RUN_STATUSES else "error"
        error = data.get("error") or {}
        reason = error.get("message") if isinstance(error, dict) else None
        # Only a run still marked running: a status a client set on purpose (killed...) wins.
        self._db.execute(
            "UPDATE runs SET status=?, exit_code=?, exit_reason=?, ended=? "
            "WHERE id=? AND status IN ('running', 'crashed')",
            (status, data.get("exit_code"), reason, ts, run),
        )

    def finish_run(
        self,
        run_id: str,
        status: str,
        exit_code: int | None,
        exit_reason: str | None = None,
        *,
        ended: float | None = None,
    ) -> None:
        """Mark a run ended: ok, error, limit, crashed, killed or terminated."""
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"not a final run status: {status!r}")
        cursor = self._transaction(
            lambda: self._db.execute(
                "UPDATE runs SET status=?, exit_code=?, exit_reason=?, ended=? WHERE id=?",
                (status, exit_code, exit_reason, time.time() if ended is None else ended, run_id),
            )
        )
        if cursor.rowcount == 0:
            raise RunNotFoundError(f"no run {run_id!r}")

    def delete_run(self, run_id: str) -> None:
        """Forget a run and all its records."""

        def body() -> int:
            self._db.execute("DELETE FROM records WHERE run=?", (run_id,))
            return int(self._db.execute("DELETE FROM runs WHERE id=?", (run_id,)).rowcount)

        if self._transaction(body) == 0:
            raise RunNotFoundError(f"no run {run_id!r}")

    # -- reading

    def list_runs(self, limit: int = 50, spell: str | None = None) -> list[RunInfo]:
        """The most recent runs first, crashed hosts noticed and recorded as such."""
        sql = f"SELECT {_RUN_COLUMNS} FROM runs"
        args: list[Any] = []
        if spell is not None:
            sql += " WHERE spell=?"
            args.append(spell)
        sql += " ORDER BY started DESC, id LIMIT ?"
        args.append(max(0, int(limit)))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._checked(row) for row in rows]

    def get_run(self, id_or_prefix: str) -> RunInfo:
        """The run with this id, or the only one whose id starts with it."""
        key = id_or_prefix.strip()
        if not key:
            raise RunNotFoundError("an empty run id names no run")
        with self._lock:
            row = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id=?", (key,)).fetchone()
            if row is None:
                # substr, not LIKE: a prefix typed by a person may contain % or _.
                rows = self._db.execute(
                    f"SELECT {_RUN_COLUMNS} FROM runs WHERE substr(id, 1, ?)=? "
                    "ORDER BY started DESC LIMIT 20",
                    (len(key), key),
                ).fetchall()
                if not rows:
                    raise RunNotFoundError(f"no run with id {key!r}")
                if len(rows) > 1:
                    raise AmbiguousRunError(key, [r[0] for r in rows])
                row = rows[0]
        return self._checked(row)

    def records(self, run_id: str, kinds: Iterable[str] | None = None) -> Iterator[Record]:
        """The run's records in seq order, read page by page (safe while the run writes)."""
        wanted = None if kinds is None else sorted(set(kinds))
        sql = "SELECT kind, seq, ts, data FROM records WHERE run=? AND seq>?"
        if wanted is not None:
            if not wanted:
                return
            sql += f" AND kind IN ({','.join('?' * len(wanted))})"
        sql += " ORDER BY seq LIMIT ?"
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute(sql, (run_id, last, *(wanted or ()), _PAGE)).fetchall()
            for kind, seq, ts, data in rows:
                yield Record(kind, run_id, seq, ts, json.loads(data))
            if len(rows) < _PAGE:
                return
            last = rows[-1][1]

    def count_records(self, run_id: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM records WHERE run=?", (run_id,)).fetchone()
        return int(row[0])

    def last_record(self, run_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                "SELECT kind, seq, ts, data FROM records WHERE run=? ORDER BY seq DESC LIMIT 1",
                (run_id,),
            ).fetchone()
        return None if row is None else Record(row[0], run_id, row[1], row[2], json.loads(row[3]))

    # -- crash detection

    def _checked(self, row: tuple[Any, ...]) -> RunInfo:
        info = _info(row)
        pid, token = row[6], row[7]
        if info.status != "running" or pid is None or _pid_alive(pid, token):
            return info
        return self._mark_crashed(info)

    def _mark_crashed(self, info: RunInfo) -> RunInfo:
        assert info.pid is not None
        last = self.last_record(info.id)
        if last is not None and last.kind == "run.end":
            # The run did finish (a client stored run.end without finish_run): believe it.
            self._transaction(lambda: self._finish_from_record(info.id, last.ts, last.data))
        else:
            reason = f"the engine host died (pid {info.pid})"
            ended = last.ts if last is not None else info.started
            # Guarded on status so two readers noticing at once agree and nothing regresses.
            self._transaction(
                lambda: self._db.execute(
                    "UPDATE runs SET status='crashed', exit_reason=?, ended=? "
                    "WHERE id=? AND status='running'",
                    (reason, ended, info.id),
                )
            )
        with self._lock:
            row = self._db.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs WHERE id=?", (info.id,)
            ).fetchone()
        return _info(row) if row is not None else info


def _info(row: tuple[Any, ...]) -> RunInfo:
    return RunInfo(
        id=row[0],
        spell=row[1],
        spell_path=row[2],
        engine=row[3],
        params=json.loads(row[4]) if row[4] else {},
        client=row[5],
        pid=row[6],
        started=row[8],
        ended=row[9],
        status=row[10],
        exit_code=row[11],
        exit_reason=row[12],
    )


# ----------------------------------------------------------------------------- the sink


class StoreSink:
    """A telemetry sink that writes to a `RunStore` in batches, from its own thread.

    `emit` only serialises the record and queues it: the spell never waits on the disk
    unless it gets more than `max_pending` records ahead of the writer. The writer commits
    when `batch_size` records are queued or `interval` seconds after the oldest queued one,
    so a quiet spell's last line is on disk within 50 ms, and on `flush()`/`close()`.

    The record is serialised at `emit`, not at write time, because records may hold live
    objects (a span's attribute dict) that change after they were emitted.
    """

    def __init__(
        self,
        store: RunStore,
        *,
        batch_size: int = 100,
        interval: float = 0.05,
        max_pending: int = 20_000,
        pid: int | None = None,
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.interval = interval
        self.max_pending = max_pending
        # The host whose death marks the run crashed: this process unless told otherwise.
        self.pid = os.getpid() if pid is None else pid
        self.error: BaseException | None = None
        self._pending: list[tuple[str, int, str, float, str]] = []
        self._oldest = 0.0
        self._queued = 0
        self._written = 0
        self._flush_wanted = False
        self._closing = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="llmspell-store", daemon=True)
        self._thread.start()
        # A host that exits without close() still gets its last records on disk.
        atexit.register(self._close_at_exit)

    def emit(self, record: Record) -> None:
        row = _row_of(record)
        with self._cond:
            if self._closing or self.error is not None:
                return  # never raise into the spell because the store is gone
            while len(self._pending) >= self.max_pending and self.error is None:
                self._cond.wait()  # back-pressure: the writer is far behind
            if not self._pending:
                self._oldest = time.monotonic()
                self._cond.notify_all()  # the writer starts its interval clock now
            self._pending.append(row)
            self._queued += 1
            if len(self._pending) >= self.batch_size:
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every record emitted so far is committed."""
        with self._cond:
            target = self._queued
            self._flush_wanted = True
            self._cond.notify_all()
            self._cond.wait_for(
                lambda: self._written >= target or self.error is not None, timeout=timeout
            )
        if self.error is not None:
            raise RuntimeError(f"the run store failed: {self.error}") from self.error

    def close(self) -> None:
        """Write what is queued and stop the writer thread. Safe to call twice."""
        atexit.unregister(self._close_at_exit)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"the run store failed: {self.error}") from self.error

    def _close_at_exit(self) -> None:
        try:
            self.close()
        except RuntimeError:
            pass  # already reported on stderr by the writer thread

    def _next_batch(self) -> list[tuple[str, int, str, float, str]] | None:
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            if not self._pending:
                return None  # closing and drained
            deadline = self._oldest + self.interval
            while (
                len(self._pending) < self.batch_size
                and not self._closing
                and not self._flush_wanted
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            # Everything queued goes in one transaction: when the spell outruns the writer,
            # batches grow and the per-commit cost is shared by more records.
            batch, self._pending = self._pending, []
            self._flush_wanted = False
            self._cond.notify_all()  # wake emitters held back by max_pending
            return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self.store.write_rows(batch, pid=self.pid)
            except BaseException as exc:  # report through flush/close, never kill the spell
                with self._cond:
                    self.error = exc
                    self._pending.clear()
                    self._cond.notify_all()
                print(f"llmspell: the run store failed: {exc}", file=sys.stderr)
                return
            with self._cond:
                self._written += len(batch)
                self._cond.notify_all()
