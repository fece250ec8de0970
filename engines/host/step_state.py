"""The "Step state" scope at a workflow step stop: the state the step will receive (or, after
a step, received), browsable with `variables` and editable with `setVariable`.

It is plain data the host already holds (the stop's payload), so it is served here, on the
protocol thread, for every engine alike. Its variable references live above `BASE`, apart
from the engine's own. A `setVariable` value is JSON (`42`, `"text"`, `{"a": 1}`; `null` or
`nil` removes the key); the first edit copies the state, so the spell's own tables are never
changed behind its back, and the step then receives the edited copy.
"""

from __future__ import annotations

import copy
import json
from typing import Any

BASE = 1 << 30
SCOPE_NAME = "Step state"


class StepState:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = payload
        self._paths: dict[int, tuple[Any, ...]] = {BASE: ()}
        self._copied = False

    @staticmethod
    def owns(reference: int) -> bool:
        return reference >= BASE

    def scope(self) -> dict[str, Any]:
        return {
            "name": SCOPE_NAME,
            "presentationHint": "locals",
            "variablesReference": BASE,
            "expensive": False,
        }

    def _node(self, path: tuple[Any, ...]) -> Any:
        node: Any = self._payload.get("state")
        for key in path:
            node = node[key]
        return node

    def _reference(self, path: tuple[Any, ...]) -> int:
        for reference, known in self._paths.items():
            if known == path:
                return reference
        reference = BASE + len(self._paths)
        self._paths[reference] = path
        return reference

    def _variable(self, name: str, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        if isinstance(value, dict):
            shown, kind = f"{{{len(value)} keys}}", "table"
        elif isinstance(value, list):
            shown, kind = f"[{len(value)} items]", "array"
        else:
            shown, kind = json.dumps(value, ensure_ascii=False, default=str), type(value).__name__
        reference = self._reference(path) if isinstance(value, dict | list) and value else 0
        return {"name": name, "value": shown, "type": kind, "variablesReference": reference}

    def variables(self, reference: int) -> list[dict[str, Any]]:
        path = self._path(reference)
        node = self._node(path)
        if isinstance(node, dict):
            return [self._variable(str(k), v, (*path, k)) for k, v in node.items()]
        if isinstance(node, list):
            return [self._variable(str(i + 1), v, (*path, i)) for i, v in enumerate(node)]
        return []

    def set_variable(self, reference: int, name: str, text: str) -> dict[str, Any]:
        path = self._path(reference)
        try:
            value = None if text.strip() == "nil" else json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(
                f'a step state value is JSON (42, "text", {{"a": 1}}, null): {text!r}'
            ) from None
        if not self._copied:
            self._payload["state"] = copy.deepcopy(self._payload.get("state"))
            self._copied = True
        node = self._node(path)
        if isinstance(node, list):
            if not name.isdigit() or not 0 < int(name) <= len(node):
                raise ValueError(f"no item {name} in this array")
            node[int(name) - 1] = value
            key: Any = int(name) - 1
        elif isinstance(node, dict):
            key = name
            if value is None:
                node.pop(name, None)
            else:
                node[name] = value
        else:
            raise ValueError("not a table")
        return self._variable(name, value, (*path, key))

    def _path(self, reference: int) -> tuple[Any, ...]:
        path = self._paths.get(reference)
        if path is None:
            raise ValueError(f"unknown variables reference {reference}")
        return path
