"""What the debugger needs to know about a compiled Tengo unit, read from the data the
compiler recorded for it (`unit.debug`, see debug_info; present under `line_hook`).

The compiler gives each Tengo variable a unique Python name (`count_2` for `count`) and each
function literal a `def _fN`. From the recorded statement hooks and the unit's line table
this module derives, once per compiled unit: the Tengo location of every generated line, and
answers which function a code object is, whether a variable is in scope at a generated line
and whether it is boxed (a one-element list shared with closures). Nothing here runs on the
fast path.
"""

from __future__ import annotations

import re
from typing import Any

from engines.tengo.debug_info import DebugInfo, FunctionDebug

_VAR = re.compile(r"^([A-Za-z_]\w*)_(\d+)$")


def tengo_name(mangled: str) -> tuple[str, int] | None:
    """`count_2` → ("count", 2); None for the compiler's own names (_t1, _k0, _f1, _g), which
    never have an underscore right before their digits."""
    match = _VAR.match(mangled)
    return (match.group(1), int(match.group(2))) if match is not None else None


class UnitIndex:
    def __init__(self, unit: Any) -> None:
        info: DebugInfo = unit.debug if unit.debug is not None else DebugInfo()
        line_map = unit.line_map
        count = unit.source.count("\n") + 1
        # 1-based generated line -> (file, line) of the Tengo statement it belongs to: the
        # position an error on it would report, else the last statement hook before it.
        self.location: list[tuple[str, int] | None] = [None] * (count + 2)
        self.hook_lines: set[int] = info.hook_lines
        self.boxed: set[str] = info.boxed
        self.functions: dict[str, FunctionDebug] = info.functions
        current: tuple[str, int] | None = None
        hooks = info.hooks
        for number in range(1, count + 1):
            hook = hooks.get(number)
            entry = line_map[number] if number < len(line_map) else None
            if hook is not None:
                current = hook
            elif entry is not None:
                src, pos = entry
                self.location[number] = (src.name, src.line_col(pos)[0])
                continue
            self.location[number] = current

    def function(self, code: Any) -> FunctionDebug | None:
        return self.functions.get(code.co_name)

    def visible(self, code: Any, line: int, mangled: str) -> bool:
        """Whether the variable is in scope at that generated line of its function."""
        info = self.function(code)
        if info is None or mangled in info.params:
            return True
        scope = info.scopes.get(mangled)
        if scope is None:
            return True  # a variable of an enclosing function (a closure cell)
        # A `for i := 0; ...` variable is in scope only in its loop, as in Tengo itself.
        return scope[0] <= line < scope[1]
