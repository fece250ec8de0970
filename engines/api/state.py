"""The `state` service: nested paths, three scopes, snapshots, history and diffs.

Reads come from an in-memory copy of each scope's tree (a spell may read state in a hot
loop); every change is written through to SQLite and emitted as a `state` record carrying
its diff, so the inspectors can rebuild the state at any point of a run.
"""

from __future__ import annotations

import copy
import math
import threading
from typing import Any

from engines.api.context import RunContext
from engines.api.diff import diff_values
from engines.api.state_store import DELETED, StateStore
from engines.errors import ApiError

SCOPES = ("run", "spell", "global")
_MISSING = object()


_PATHS: dict[str, list[str]] = {}


def split_path(path: str) -> list[str]:
    """A dotted path's segments (cached: spells read the same paths again and again)."""
    cached = _PATHS.get(path) if type(path) is str else None
    if cached is not None:
        return cached
    parts = _split(path)
    if len(_PATHS) < 4096:
        _PATHS[path] = parts
    return parts


def _split(path: str) -> list[str]:
    if not isinstance(path, str):
        raise ApiError(f"path must be a string, got {type(path).__name__}")
    if path == "":
        return []
    parts = path.split(".")
    if any(part == "" for part in parts):
        raise ApiError(f"bad path {path!r}: empty segment")
    return parts


def _kind(value: Any) -> str:
    """A value's type in the words a spell author uses."""
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def check_jsonable(value: Any, where: str = "value") -> None:
    """Raise ApiError unless `value` is JSON data (finite numbers, string or integer keys)."""
    try:
        _check_jsonable(value, where)
    except RecursionError:
        raise ApiError(f"{where}: nested too deeply (or contains itself)") from None


def _check_jsonable(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ApiError(f"{where}: {value} cannot be stored in state (not a JSON number)")
    if value is None or isinstance(value, bool | int | float | str):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_jsonable(item, f"{where}[{index + 1}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise ApiError(f"{where}: keys must be strings, got {_kind(key)}")
            _check_jsonable(item, f"{where}.{key}")
        return
    raise ApiError(f"{where}: a {_kind(value)} cannot be stored in state")


def _normalise(value: Any) -> Any:
    """State holds JSON data: integer keys become strings, as they would after a round trip.

    State never stores nil, so table members that are nil are left out (as a Lua table
    would); nil inside an array keeps its position. The result shares nothing with `value`.
    """
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


class StateService:
    def __init__(self, ctx: RunContext, store: StateStore) -> None:
        self._ctx = ctx
        self._store = store
        self._trees: dict[str, dict[str, Any]] = {}
        # The database's data_version when the cached trees were loaded.
        self._version: int | None = None
        # API calls may come from engine worker threads; the trees are shared.
        self._lock = threading.RLock()

    # -- scopes -----------------------------------------------------------------------------

    def _owner(self, scope: str) -> str:
        if scope == "run":
            return self._ctx.run_id
        if scope == "spell":
            return self._ctx.spell.name
        return ""

    def _scope(self, scope: str | None) -> str:
        if scope is None:
            return "run"
        if scope not in SCOPES:
            raise ApiError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
        return scope

    def _tree(self, scope: str) -> dict[str, Any]:
        if scope != "run" and self._store.shared:
            # Another run (or the IDE) may have written the spell or global scope since the
            # trees were cached. The run scope is this run's alone: no query on that hot path.
            version = self._store.data_version()
            if version != self._version:
                self._trees.pop("spell", None)
                self._trees.pop("global", None)
                self._version = version
        tree = self._trees.get(scope)
        if tree is None:
            tree = self._store.load_tree(scope, self._owner(scope))
            self._trees[scope] = tree
        return tree

    # -- reading ----------------------------------------------------------------------------

    def get(self, path: str, default: Any = None, scope: str | None = None) -> Any:
        scope = self._scope(scope)
        with self._lock:
            found = self._lookup(path, scope)
            if found is _MISSING:
                return default
            # A copy: changing what was read must not change the state behind its back.
            return copy.deepcopy(found) if isinstance(found, dict | list) else found

    def _lookup(self, path: str, scope: str) -> Any:
        """The stored value itself (not a copy), or _MISSING."""
        parts = split_path(path)
        with self._lock:
            node: Any = self._tree(scope)
            for part in parts:
                if not isinstance(node, dict):
                    return _MISSING
                node = node.get(part, _MISSING)
                if node is _MISSING:
                    return _MISSING
            return node

    def keys(self, path: str | None = None, scope: str | None = None) -> list[str]:
        scope = self._scope(scope)
        with self._lock:
            node = self._lookup(path or "", scope)
            return sorted(node) if isinstance(node, dict) else []

    # -- changing ---------------------------------------------------------------------------

    def set(self, path: str, value: Any, scope: str | None = None) -> None:
        if value is None:
            self.delete(path, scope)
            return
        check_jsonable(value)
        self._change(self._scope(scope), "set", path, _normalise(value))

    def update(self, path: str, change: Any, scope: str | None = None) -> Any:
        scope = self._scope(scope)
        # Read, change and write in one transaction so no other run's change is lost.
        with self._lock, self._store.writing():
            return self._update(path, change, scope)

    def _update(self, path: str, change: Any, scope: str) -> Any:
        old = self.get(path, None, scope)
        if callable(change):
            new = change(old)  # `old` is already a copy (see get)
        elif isinstance(change, dict):
            if old is not None and not isinstance(old, dict):
                raise ApiError(f"cannot merge a table into {path!r}: it holds a {_kind(old)}")
            # A shallow merge; a member given as nil is removed, as `set` with nil would.
            new = dict(old or {})
            for key, value in change.items():
                if value is None:
                    new.pop(str(key), None)
                else:
                    new[str(key)] = value
        else:
            raise ApiError("change must be a function or a table")
        if new is None:
            self.delete(path, scope)
            return None
        check_jsonable(new)
        stored = _normalise(new)
        self._change(scope, "update", path, stored)
        return copy.deepcopy(stored)

    def delete(self, path: str, scope: str | None = None) -> bool:
        scope = self._scope(scope)
        with self._lock, self._store.writing():
            if self._lookup(path, scope) is _MISSING:
                return False
            self._change(scope, "delete", path, DELETED)
        return True

    def _change(self, scope: str, op: str, path: str, new: Any) -> None:
        with self._lock:
            try:
                with self._store.writing():
                    record = self._change_locked(scope, op, path, new)
            except BaseException:
                # The cached tree may be ahead of the rolled-back database: reload it.
                self._trees.pop(scope, None)
                raise
        self._ctx.emit("state", record)

    def _change_locked(self, scope: str, op: str, path: str, new: Any) -> dict[str, Any]:
        """Apply and persist one change; returns the `state` record's data.

        `new` is normalised JSON data (or DELETED) that nobody else holds a reference to.
        """
        parts = split_path(path)
        tree = self._tree(scope)
        if not parts:
            if new is DELETED:
                new = {}
            if not isinstance(new, dict):
                raise ApiError("the root of the state must be a table")
            old: Any = copy.deepcopy(tree)
            touched = {key: DELETED for key in tree}
            tree.clear()
            tree.update(new)
            touched.update(tree)
        else:
            parent = tree
            for depth, part in enumerate(parts[:-1]):
                child = parent.get(part)
                if child is None:
                    child = parent[part] = {}
                elif not isinstance(child, dict):
                    where = ".".join(parts[: depth + 1])
                    raise ApiError(f"cannot set {path!r}: {where!r} holds a {_kind(child)}")
                parent = child
            old = parent.get(parts[-1])
            old = copy.deepcopy(old)
            if new is DELETED:
                parent.pop(parts[-1], None)
            else:
                parent[parts[-1]] = new
            top = parts[0]
            touched = {top: tree.get(top, DELETED)}
        # The record gets its own copy: later changes edit the tree in place.
        shown_new = None if new is DELETED else copy.deepcopy(new)
        self._store.write_change(
            scope, self._owner(scope), self._ctx.run_id, op, path, old, shown_new, touched
        )
        return {
            "scope": scope,
            "op": op,
            "path": path,
            "old": old,
            "new": shown_new,
            # diff_values compares as JSON does (true is not 1), unlike `old != new`.
            "diff": diff_values(old, shown_new, path),
        }

    # -- snapshots and history --------------------------------------------------------------

    def snapshot(self, label: str | None = None, scope: str | None = None) -> int:
        scope = self._scope(scope)
        with self._lock:
            snapshot_id = self._store.save_snapshot(
                scope, self._owner(scope), self._ctx.run_id, label, self._tree(scope)
            )
        self._ctx.emit(
            "state",
            {"scope": scope, "op": "snapshot", "path": "", "id": snapshot_id, "label": label},
        )
        return snapshot_id

    def _snapshot_tree(self, scope: str, snapshot_id: int) -> dict[str, Any]:
        tree = self._store.load_snapshot(scope, self._owner(scope), snapshot_id)
        if tree is None:
            raise ApiError(f"no snapshot {snapshot_id} in scope {scope!r}")
        return tree

    def restore(self, id: int, scope: str | None = None) -> None:
        scope = self._scope(scope)
        self._change(scope, "restore", "", self._snapshot_tree(scope, id))

    def history(
        self, path: str | None = None, limit: int | None = None, scope: str | None = None
    ) -> list[dict[str, Any]]:
        scope = self._scope(scope)
        if limit is not None and limit < 0:
            raise ApiError("limit must not be negative")
        if path:
            split_path(path)  # reject bad paths as get/set do
        return self._store.history(scope, self._owner(scope), path, limit)

    def diff(
        self, from_: int, to: int | None = None, scope: str | None = None
    ) -> list[dict[str, Any]]:
        scope = self._scope(scope)
        before = self._snapshot_tree(scope, from_)
        if to is not None:
            return diff_values(before, self._snapshot_tree(scope, to))
        with self._lock:
            return copy.deepcopy(diff_values(before, self._tree(scope)))


# The declared parameter is called `from`, a Python keyword; bind it by position.
StateService.diff.__api_params__ = ("from", "to", "scope")  # type: ignore[attr-defined]
