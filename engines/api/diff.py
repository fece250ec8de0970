"""Structural differences between two JSON-like values, as a list of leaf changes."""

from __future__ import annotations

from typing import Any

_MISSING = object()


def copy_data(value: Any) -> Any:
    """A copy of the tables and lists in `value`; other values (functions too) are shared.

    Used for what goes into records, so a record keeps what the call saw even when the spell
    changes its table afterwards; unlike `copy.deepcopy` it never fails on engine objects.
    """
    if isinstance(value, dict):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value


def diff_values(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """Changes that turn `old` into `new`: `{path, op: added|removed|changed, old, new}`.

    Tables are compared key by key so a change deep inside a big value is reported at its own
    path; lists are compared as whole values (their positions carry no stable identity).
    """
    changes: list[dict[str, Any]] = []
    # State never stores nil: at the top, nil means "not there".
    _walk(_MISSING if old is None else old, _MISSING if new is None else new, path, changes)
    return changes


def _walk(old: Any, new: Any, path: str, out: list[dict[str, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            child = f"{path}.{key}" if path else str(key)
            _walk(old.get(key, _MISSING), new.get(key, _MISSING), child, out)
        return
    if old is _MISSING and new is _MISSING:
        return
    if old is _MISSING:
        out.append({"path": path, "op": "added", "old": None, "new": new})
    elif new is _MISSING:
        out.append({"path": path, "op": "removed", "old": old, "new": None})
    elif not same_value(old, new):
        out.append({"path": path, "op": "changed", "old": old, "new": new})


def same_value(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: `true` is not `1` and `1.0` is not `1`, also inside lists."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
