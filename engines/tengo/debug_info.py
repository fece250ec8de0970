"""What the compiler records for the debugger, as data on a unit compiled with `line_hook`.

While compiling, the code generator drops *marks* next to the generated lines it emits (a
statement's hook, a variable's definition, the end of a scope, a nested `def`); each mark
names a line by its index in its function's line list. When the functions are laid out
into the final module, `DebugRecorder` turns those indices into generated line numbers and
builds a `DebugInfo`: per generated function, its Tengo display name, parameters and the
range of generated lines where each of its variables is in scope; the Tengo statement of
every hooked line; which variables are boxed. Nothing here exists for a normal compile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FunctionDebug:
    """One generated Python function (keyed by its `co_name`)."""

    name: str  # how the debugger shows it: "main", "fib", "module util", "func <a.tengo:3>"
    params: set[str] = field(default_factory=set)  # Python names
    # Python name -> (first generated line where it is defined, first line out of scope).
    scopes: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class DebugInfo:
    # generated line of a statement's hook -> (Tengo file, Tengo line)
    hooks: dict[int, tuple[str, int]] = field(default_factory=dict)
    hook_lines: set[int] = field(default_factory=set)  # Tengo lines that have a statement
    max_line: int = 0
    functions: dict[str, FunctionDebug] = field(default_factory=dict)
    boxed: set[str] = field(default_factory=set)  # variables held in a one-element list


# A mark: (index in its function's lines, kind, data). Kinds:
#   "hook"  data (file, line)               a statement's hook line
#   "def"   data (FuncCtx, py name, boxed)  the line defining a variable
#   "end"   data (FuncCtx, [py names])      the first line out of their scope
Mark = tuple[int, str, Any]


class DebugRecorder:
    """Collects marks as functions are laid out; `info` is the result."""

    def __init__(self) -> None:
        self.info = DebugInfo()

    def function(self, py_name: str, name: str, params: list[str]) -> None:
        self.info.functions[py_name] = FunctionDebug(
            name,
            {p.lstrip("*") for p in params if "=" not in p},  # not the box defaults
        )

    def place(self, marks: list[Mark], base: int) -> None:
        """`marks` of a function whose line 0 is generated line `base`."""
        info = self.info
        for index, kind, data in marks:
            line = base + index
            if kind == "hook":
                info.hooks[line] = data
                info.hook_lines.add(data[1])
                info.max_line = max(info.max_line, data[1])
            elif kind == "def":
                fn = info.functions.get(data[0].py_name)
                if data[2]:
                    info.boxed.add(data[1])
                if fn is not None and data[1] not in fn.scopes:
                    fn.scopes[data[1]] = (line, 1 << 30)
            else:
                fn = info.functions.get(data[0].py_name)
                for py in data[1] if fn is not None else ():
                    if py in fn.scopes:  # type: ignore[union-attr]
                        fn.scopes[py] = (fn.scopes[py][0], line)  # type: ignore[union-attr]


def display_name(kind: str, file: str, line: int, hint: str | None) -> str:
    """The name a stack frame shows for a generated function."""
    if kind == "main":
        return "main"
    if kind == "module":
        return f"module {os.path.splitext(os.path.basename(file))[0]}"
    return hint or f"func <{os.path.basename(file)}:{line}>"
