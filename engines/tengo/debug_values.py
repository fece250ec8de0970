"""How the debugger shows Tengo values: one-line pictures and the children of a container."""

from __future__ import annotations

import types
from typing import Any

from engines.tengo.values import ImmutableArray, ImmutableMap, TError, to_str

_WIDTH = 60


def is_container(value: Any) -> bool:
    return type(value) in (list, dict, ImmutableArray, ImmutableMap, TError)


def _items(value: Any) -> tuple[list[tuple[str, Any]], bool]:
    """(name, value) children and whether they are a sequence."""
    kind = type(value)
    if kind in (ImmutableArray, ImmutableMap):
        value = value.value
        kind = type(value)
    if kind is list:
        return [(f"[{i}]", v) for i, v in enumerate(value)], True
    if kind is dict:
        return [(str(k), value[k]) for k in sorted(value, key=str)], False
    if kind is TError:
        return [("value", value.value)], False
    return [], False


def container_entries(value: Any) -> list[tuple[str, Any]]:
    return _items(value)[0]


def render(value: Any, index: Any = None, nested: bool = False) -> str:
    """A one-line picture of a value; containers show their first entries."""
    kind = type(value)
    if kind is types.FunctionType:
        info = index.function(value.__code__) if index is not None else None
        return f"<func {info.name}>" if info is not None else "<compiled-function>"
    if not is_container(value):
        return to_str(value)
    items, sequence = _items(value)
    if kind is TError:
        return "error(" + render(value.value, index, True) + ")"
    opening, closing = ("[", "]") if sequence else ("{", "}")
    if kind in (ImmutableArray, ImmutableMap):
        opening = "immutable(" + opening
        closing += ")"
    if nested:
        return opening + ("…" if items else "") + closing
    parts: list[str] = []
    width = 0
    for position, (name, child) in enumerate(items):
        shown = render(child, index, True)
        part = shown if sequence else f"{name}: {shown}"
        parts.append(part)
        width += len(part) + 2
        if width > _WIDTH and position < len(items) - 1:
            parts.append("…")
            break
    return opening + ", ".join(parts) + closing
