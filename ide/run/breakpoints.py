"""Breakpoints as plain data: line breakpoints per file (with condition, hit count and log
message), semantic function breakpoints and exception filters; DAP arguments from them.

No Qt: listeners are plain callables, called with no arguments after every change.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

# Semantic breakpoints the host understands (docs/debugging.md).
FUNCTION_BREAKPOINTS = ("llm", "tool", "step")
EXCEPTION_FILTERS = {
    "error": "Uncaught errors",
    "llm_error": "LLM errors",
    "tool_error": "Tool errors",
    "budget": "Budget (time or instruction limit)",
}


@dataclass(frozen=True)
class LineBreakpoint:
    path: str
    line: int  # 1-based
    condition: str = ""
    hit_condition: str = ""
    log_message: str = ""
    enabled: bool = True

    def to_dap(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"line": self.line}
        if self.condition:
            spec["condition"] = self.condition
        if self.hit_condition:
            spec["hitCondition"] = self.hit_condition
        if self.log_message:
            spec["logMessage"] = self.log_message
        return spec

    def describe(self) -> str:
        extra = []
        if self.condition:
            extra.append(f"if {self.condition}")
        if self.hit_condition:
            extra.append(f"hits {self.hit_condition}")
        if self.log_message:
            extra.append(f"log {self.log_message!r}")
        where = f"{os.path.basename(self.path)}:{self.line}"
        return f"{where}  {'; '.join(extra)}".rstrip()


class BreakpointStore:
    def __init__(self) -> None:
        self._lines: dict[str, dict[int, LineBreakpoint]] = {}
        self.functions: list[str] = []
        self.exception_filters: set[str] = {"error"}
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    @staticmethod
    def key(path: str) -> str:
        return os.path.realpath(path)

    # -- line breakpoints ------------------------------------------------------------------

    def lines(self, path: str) -> list[LineBreakpoint]:
        return sorted(self._lines.get(self.key(path), {}).values(), key=lambda b: b.line)

    def get(self, path: str, line: int) -> LineBreakpoint | None:
        return self._lines.get(self.key(path), {}).get(line)

    def all(self) -> list[LineBreakpoint]:
        return [b for path in sorted(self._lines) for b in self.lines(path)]

    def files(self) -> list[str]:
        return sorted(self._lines)

    def toggle(self, path: str, line: int) -> bool:
        """Add or remove a plain breakpoint; True when one is now set."""
        per_file = self._lines.setdefault(self.key(path), {})
        if line in per_file:
            del per_file[line]
            self._changed()
            return False
        per_file[line] = LineBreakpoint(self.key(path), line)
        self._changed()
        return True

    def set(self, bp: LineBreakpoint) -> None:
        bp = replace(bp, path=self.key(bp.path))
        self._lines.setdefault(bp.path, {})[bp.line] = bp
        self._changed()

    def remove(self, path: str, line: int) -> None:
        if self._lines.get(self.key(path), {}).pop(line, None) is not None:
            self._changed()

    def clear(self) -> None:
        self._lines.clear()
        self.functions.clear()
        self._changed()

    def dap_lines(self, path: str, extra_line: int | None = None) -> list[dict[str, Any]]:
        specs = [b.to_dap() for b in self.lines(path) if b.enabled]
        if extra_line is not None and all(s["line"] != extra_line for s in specs):
            specs.append({"line": extra_line})
        return specs

    # -- semantic --------------------------------------------------------------------------

    def set_function(self, name: str, on: bool) -> None:
        if on and name not in self.functions:
            self.functions.append(name)
        elif not on and name in self.functions:
            self.functions.remove(name)
        self._changed()

    def set_exception_filter(self, name: str, on: bool) -> None:
        (self.exception_filters.add if on else self.exception_filters.discard)(name)
        self._changed()

    def dap_functions(self) -> list[dict[str, Any]]:
        return [{"name": n} for n in self.functions]
