"""The `hooks` service: functions run at named points, by priority, able to change or cancel.

Points are a fixed registry (LLM calls, tool calls, workflow steps, run start and stop) plus
any `custom.*` point a spell fires itself. A hook's error is reported as a record and raised
to whoever fired the point, never swallowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engines.api.context import RunContext
from engines.errors import ApiError, LimitExceeded

HOOK_POINTS = (
    "run_start",
    "run_stop",
    "before_generate",
    "after_generate",
    "before_tool_call",
    "after_tool_call",
    "before_workflow_step",
    "after_workflow_step",
    "agent_start",
    "agent_stop",
)


class HookError(ApiError):
    """A hook function failed; carries the point and hook id."""

    def __init__(self, message: str, point: str, hook: int) -> None:
        super().__init__(message)
        self.point = point
        self.hook = hook


@dataclass
class _Hook:
    id: int
    point: str
    priority: int
    order: int
    handler: Callable[..., Any]


@dataclass
class HookResult:
    payload: Any
    cancelled: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"payload": self.payload, "cancelled": self.cancelled, "reason": self.reason}


def check_point(point: str) -> None:
    if point in HOOK_POINTS or (point.startswith("custom.") and len(point) > 7):
        return
    close = difflib.get_close_matches(point, HOOK_POINTS, n=1)
    hint = f" — did you mean {close[0]!r}?" if close else ""
    raise ApiError(
        f"unknown hook point {point!r}{hint} (spell-defined points start with 'custom.')"
    )


class HooksService:
    def __init__(self, ctx: RunContext) -> None:
        self._ctx = ctx
        self._hooks: list[_Hook] = []
        self._next_id = 1

    def register(self, point: str, handler: Callable[..., Any], priority: int | None = None) -> int:
        check_point(point)
        if not callable(handler):
            raise ApiError("handler must be a function")
        hook = _Hook(self._next_id, point, int(priority or 0), self._next_id, handler)
        self._next_id += 1
        self._hooks.append(hook)
        return hook.id

    def unregister(self, id: int) -> bool:
        before = len(self._hooks)
        self._hooks = [h for h in self._hooks if h.id != id]
        return len(self._hooks) != before

    def points(self) -> list[str]:
        return list(HOOK_POINTS)

    def has_hooks(self, point: str) -> bool:
        return any(h.point == point for h in self._hooks)

    def fire(self, point: str, payload: Any = None) -> dict[str, Any]:
        return self.run(point, payload).to_dict()

    def run(self, point: str, payload: Any = None) -> HookResult:
        """Run the hooks of `point` over `payload`; Python callers use this form."""
        check_point(point)
        # A debugger's `hook:POINT` function breakpoint stops here, before any hook runs.
        self._ctx.semantic_stop("hook", point, f"before the hooks of {point}", payload)
        hooks = sorted(
            (h for h in self._hooks if h.point == point), key=lambda h: (-h.priority, h.order)
        )
        result = HookResult(payload)
        for hook in hooks:
            try:
                answer = hook.handler(result.payload)
            except Exception as exc:
                self._ctx.emit(
                    "hook", {"point": point, "hook": hook.id, "error": str(exc), "cancelled": False}
                )
                if isinstance(exc, LimitExceeded):
                    # A timeout or cancellation must end the run, not become a catchable error.
                    raise
                raise HookError(f"hook {hook.id} at {point} failed: {exc}", point, hook.id) from exc
            changed = False
            if answer is False:
                result.cancelled, result.reason = True, None
            elif isinstance(answer, dict) and answer.get("cancel"):
                result.cancelled, result.reason = True, _reason(answer.get("reason"))
            elif answer is not None:
                result.payload, changed = answer, True
            self._ctx.emit(
                "hook",
                {
                    "point": point,
                    "hook": hook.id,
                    "priority": hook.priority,
                    "changed": changed,
                    "cancelled": result.cancelled,
                    "reason": result.reason,
                },
            )
            if result.cancelled:
                break
        return result


def _reason(value: Any) -> str | None:
    return None if value is None else str(value)
